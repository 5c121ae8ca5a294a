#!/usr/bin/env python3
"""The pull-through cache (``cheeseshop.upstream``) against local projects:
are an upstream project's page and files, once cached, served at the speed
of a local project's?  And what do a first download through the cache and a
page revalidation cost?  See ``benchmarks/README.md``.

    python3 benchmarks/pull_through.py                 # 200 projects x 2 releases
    python3 benchmarks/pull_through.py --write-docs    # docs/benchmarks-pull-through.rst

One run:

1. starts cheeseshop "upstream" and uploads the corpus (``cheesebench-NNNN``);
2. starts cheeseshop "cache" with ``cheeseshop.upstream`` pointing at it and
   uploads a corpus of the same shape under other names (``cheeselocal-NNNN``),
   so that it serves local projects and upstream projects alike;
3. warms the cache one request at a time: each upstream project's page read
   and each file downloaded once through the cache, beside the same request
   made directly to the upstream and made again once cached;
4. starts "cache-ttl0", a second ``cheeseshop serve`` on the cache's data with
   ``cheeseshop.upstream.ttl = 0`` (every page read revalidates upstream);
5. measures with ``wrk``, interleaved over ``--rounds`` rounds: project pages
   (HTML, PEP 691 JSON) and file downloads of local projects against cached
   ones, and the pages of the ttl-0 twin;
6. a ``--big-mb`` MiB wheel: its first download through the cache against a
   direct one, then cached against local;
7. prints the tables, ratios and verdicts, saves the results JSON and with
   ``--write-docs`` writes ``docs/benchmarks-pull-through.rst``.

All three servers are ``cheeseshop serve`` on SQLite and a folder (the
embedded default), installed as ``private_index.py`` installs them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import options  # noqa: E402
from harness.pull_through_run import BENCH  # noqa: E402


def parse_args(argv=None):
    p = options.parser(
        "cheeseshop's pull-through cache: cached upstream projects against "
        "local ones, first downloads and page revalidations.",
        docs_page="benchmarks-pull-through.rst",
        # The cache's data names the upstream's port: every run loads both afresh.
        reuse_data=False,
    )
    p.add_argument(
        "--big-mb",
        type=int,
        default=100,
        help="size of the large wheel in MiB (100; 0: no large-file test)",
    )
    p.add_argument(
        "--big-repeats", type=int, default=3, help="downloads of the large wheel of each kind (3)"
    )
    p.add_argument(
        "--big-timeout", type=float, default=600, help="seconds for one large transfer (600)"
    )
    return options.finish(p, argv, at_least_one=("big_repeats",))


def main(argv=None) -> int:
    return options.entry_point("pull_through.py", parse_args, BENCH, argv)


if __name__ == "__main__":
    sys.exit(main())

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

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.paths import DEFAULT_WORK, REPO  # noqa: E402
from harness.processes import kill_all  # noqa: E402
from harness.pull_through_run import render, run_pull_through  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="cheeseshop's pull-through cache: cached upstream projects against "
        "local ones, first downloads and page revalidations."
    )
    p.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK,
        help="venvs, corpus, data dirs and logs (default: benchmarks/.work)",
    )
    p.add_argument(
        "--projects",
        type=int,
        default=200,
        help="projects in each corpus, local and upstream (200)",
    )
    p.add_argument("--releases", type=int, default=2, help="releases per project (2)")
    p.add_argument("--duration", type=int, default=5, help="wrk seconds per endpoint (5)")
    p.add_argument(
        "--warmup", type=int, default=1, help="unmeasured wrk seconds before each (1; 0: none)"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="read rounds; local, cached and ttl-0 reads interleaved, rows show the median (3)",
    )
    p.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (2)")
    p.add_argument("--wrk-timeout", type=float, default=10, help="wrk --timeout seconds (10)")
    p.add_argument("--upload-threads", type=int, default=8, help="corpus upload threads (8)")
    p.add_argument(
        "--max-urls",
        type=int,
        default=1000,
        help="at most this many projects' pages (and their files) are cycled (1000)",
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
    p.add_argument(
        "--cheeseshop-install",
        choices=("current", "venv"),
        default="current",
        help="the cheeseshop installed for this interpreter (current, the default), or "
        "this checkout pip-installed into the harness's venv (venv)",
    )
    p.add_argument(
        "--cheeseshop-serve-args",
        default="",
        metavar="ARGS",
        help="extra arguments for every `cheeseshop serve`, e.g. '--workers 2'",
    )
    p.add_argument(
        "--start-timeout", type=float, default=90, help="seconds to wait for a server (90)"
    )
    p.add_argument(
        "--render",
        type=Path,
        metavar="RESULTS_JSON",
        help="run nothing: print the report of a saved results file (and with "
        "--write-docs write the docs page from it)",
    )
    p.add_argument("--reinstall", action="store_true", help="recreate the venvs")
    p.add_argument(
        "--write-docs",
        action="store_true",
        help="write docs/benchmarks-pull-through.rst with the tables, machine and command",
    )
    p.add_argument(
        "--docs-path",
        type=Path,
        default=REPO / "docs" / "benchmarks-pull-through.rst",
        help=argparse.SUPPRESS,
    )
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    # The cache's data names the upstream's port: every run loads both afresh.
    args.reuse_data = False
    if args.projects < 1 or args.releases < 1 or args.big_repeats < 1:
        p.error("--projects, --releases and --big-repeats must be >= 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args)
    given = sys.argv[1:] if argv is None else argv
    command = "python3 benchmarks/pull_through.py" + (" " + shlex.join(given) if given else "")
    return run_pull_through(args, command)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        kill_all()
        sys.exit(130)

#!/usr/bin/env python3
"""cheeseshop behind Varnish (``cheeseshop.purge = varnish``, the VCL of
``docs/examples/cheeseshop.vcl``): is an unchanged page a cache hit, what
are reads through Varnish worth against reads of cheeseshop directly and
what is Varnish's hit ratio, and is every upload visible through Varnish at
once?  See ``benchmarks/README.md``.

    python3 benchmarks/varnish.py                 # 200 projects x 2 releases
    python3 benchmarks/varnish.py --write-docs    # docs/benchmarks-varnish.rst

One run:

1. starts ``cheeseshop serve --workers 2`` (SQLite and a folder, the
   embedded default) with ``CHEESESHOP_CDN_S_MAXAGE``, ``CHEESESHOP_PURGE=varnish``
   and ``CHEESESHOP_PURGE_URL`` naming the Varnish, then Debian's ``varnishd``
   in front of it with the shipped VCL, and uploads the corpus;
2. measures with ``wrk``, interleaved over ``--rounds`` rounds, the harness's
   reads (``/simple/``, project pages in HTML and PEP 691 JSON, the JSON API,
   file downloads) through Varnish and directly, with Varnish's hits and
   misses (``varnishstat``) around each measured run;
3. the mixed run: for each project page, ``wrk`` through Varnish for
   ``--churn-duration`` seconds while a new release of one of
   ``--churn-projects`` projects is uploaded to cheeseshop every
   ``--churn-interval`` seconds, each checked through Varnish right after
   its 200;
4. prints the tables and verdicts, saves the results JSON and with
   ``--write-docs`` writes ``docs/benchmarks-varnish.rst``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import options  # noqa: E402
from harness.varnish_run import BENCH  # noqa: E402


def parse_args(argv=None):
    p = options.parser(
        "cheeseshop behind Varnish: reads through Varnish against direct ones, "
        "its hit ratio, and uploads visible through it at once.",
        docs_page="benchmarks-varnish.rst",
        workers=2,
        # Varnish's VCL names cheeseshop's port: every run loads afresh.
        reuse_data=False,
    )
    p.add_argument(
        "--s-maxage",
        type=int,
        default=3600,
        help="cheeseshop.cdn.s_maxage: seconds Varnish may keep a page (3600)",
    )
    p.add_argument("--varnish-storage", default="malloc,64m", help="varnishd -s (malloc,64m)")
    p.add_argument(
        "--churn-duration",
        type=int,
        default=10,
        help="seconds of reads through Varnish with uploads, per page read (10; 0: no mixed run)",
    )
    p.add_argument(
        "--churn-interval",
        type=float,
        default=0.5,
        help="seconds between the starts of two uploads in the mixed run (0.5)",
    )
    p.add_argument(
        "--churn-projects",
        type=int,
        default=20,
        help="projects that receive the mixed run's new releases, in turn (20)",
    )
    p.add_argument(
        "--docs-note",
        default="",
        metavar="TEXT",
        help="what else ran on the machine, for the docs page (also with --render)",
    )
    args = options.finish(p, argv, at_least_one=("churn_projects",))
    if args.churn_interval <= 0:
        p.error("--churn-interval must be > 0")
    return args


def main(argv=None) -> int:
    return options.entry_point("varnish.py", parse_args, BENCH, argv)


if __name__ == "__main__":
    sys.exit(main())

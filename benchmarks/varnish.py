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

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.paths import DEFAULT_WORK, REPO  # noqa: E402
from harness.processes import kill_all  # noqa: E402
from harness.varnish_run import render, run_varnish  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="cheeseshop behind Varnish: reads through Varnish against direct ones, "
        "its hit ratio, and uploads visible through it at once."
    )
    p.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK,
        help="venvs, corpus, data dirs and logs (default: benchmarks/.work)",
    )
    p.add_argument("--projects", type=int, default=200, help="projects in the corpus (200)")
    p.add_argument("--releases", type=int, default=2, help="releases per project (2)")
    p.add_argument("--duration", type=int, default=5, help="wrk seconds per endpoint (5)")
    p.add_argument(
        "--warmup", type=int, default=1, help="unmeasured wrk seconds before each (1; 0: none)"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="read rounds; direct and through Varnish interleaved, rows show the median (3)",
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
        "--cheeseshop-install",
        choices=("current", "venv"),
        default="current",
        help="the cheeseshop installed for this interpreter (current, the default), or "
        "this checkout pip-installed into the harness's venv (venv)",
    )
    p.add_argument(
        "--cheeseshop-serve-args",
        default="--workers 2",
        metavar="ARGS",
        help="arguments for `cheeseshop serve` ('--workers 2')",
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
        help="write docs/benchmarks-varnish.rst with the tables, machine and command",
    )
    p.add_argument(
        "--docs-note",
        default="",
        metavar="TEXT",
        help="what else ran on the machine, for the docs page (also with --render)",
    )
    p.add_argument(
        "--docs-path",
        type=Path,
        default=REPO / "docs" / "benchmarks-varnish.rst",
        help=argparse.SUPPRESS,
    )
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    # Varnish's VCL names cheeseshop's port: every run loads afresh.
    args.reuse_data = False
    if args.projects < 1 or args.releases < 1 or args.churn_projects < 1:
        p.error("--projects, --releases and --churn-projects must be >= 1")
    if args.churn_interval <= 0:
        p.error("--churn-interval must be > 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args)
    given = sys.argv[1:] if argv is None else argv
    command = "python3 benchmarks/varnish.py" + (" " + shlex.join(given) if given else "")
    return run_varnish(args, command)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        kill_all()
        sys.exit(130)

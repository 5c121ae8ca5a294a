#!/usr/bin/env python3
"""How near the stack's ceiling cheeseshop's cached project page comes, and
what a worker's memory is under the reads.  See ``benchmarks/README.md``.

    python3 benchmarks/ceiling.py                  # 100 projects x 2 releases
    python3 benchmarks/ceiling.py --write-docs     # docs/benchmarks-ceiling.rst

One run:

1. loads cheeseshop with a synthetic corpus of small wheels, as
   ``compare.py`` does, and starts it afresh on that data (one worker);
2. starts the ceiling: a minimal Pyramid app (one route, a fixed body: the
   bytes of one of cheeseshop's simple pages) on waitress with the settings
   ``cheeseshop serve`` uses, on the same Python;
3. measures the ceiling and cheeseshop's cached project page (HTML and PEP
   691 JSON) and JSON API with ``wrk``, interleaved, over ``--rounds`` rounds;
   records each server's RSS after start and its peak (VmHWM) during the reads;
4. prints requests/s, the ratio to the ceiling, CPU time per request and
   memory, saves the results JSON and with ``--write-docs`` writes
   ``docs/benchmarks-ceiling.rst``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.ceiling_run import render, run_ceiling  # noqa: E402
from harness.paths import DEFAULT_WORK, REPO  # noqa: E402
from harness.processes import kill_all  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="cheeseshop's cached project page against the stack's ceiling "
        "(a minimal Pyramid app on the same waitress settings), and a worker's memory."
    )
    p.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK,
        help="venvs, corpus, data dirs and logs (default: benchmarks/.work)",
    )
    p.add_argument("--projects", type=int, default=100, help="projects in the corpus (100)")
    p.add_argument("--releases", type=int, default=2, help="releases per project (2)")
    p.add_argument("--duration", type=int, default=5, help="wrk seconds per row (5)")
    p.add_argument(
        "--warmup", type=int, default=1, help="unmeasured wrk seconds before each (1; 0: none)"
    )
    p.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds; rows show the median (3)"
    )
    p.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (2)")
    p.add_argument("--wrk-timeout", type=float, default=10, help="wrk --timeout seconds (10)")
    p.add_argument("--upload-threads", type=int, default=8, help="corpus upload threads (8)")
    p.add_argument(
        "--max-urls", type=int, default=1000, help="at most this many projects' pages (1000)"
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
        help="extra arguments for `cheeseshop serve`",
    )
    p.add_argument(
        "--start-timeout", type=float, default=90, help="seconds to wait for a server (90)"
    )
    p.add_argument(
        "--reuse-data",
        action="store_true",
        help="start on the data an earlier run of the same corpus loaded (no corpus upload)",
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
        help="write docs/benchmarks-ceiling.rst with the tables, machine and command",
    )
    p.add_argument(
        "--docs-path",
        type=Path,
        default=REPO / "docs" / "benchmarks-ceiling.rst",
        help=argparse.SUPPRESS,
    )
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    if args.projects < 1 or args.releases < 1 or args.rounds < 1:
        p.error("--projects, --releases and --rounds must be >= 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args)
    given = sys.argv[1:] if argv is None else argv
    command = "python3 benchmarks/ceiling.py" + (" " + shlex.join(given) if given else "")
    return run_ceiling(args, command)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        kill_all()
        sys.exit(130)

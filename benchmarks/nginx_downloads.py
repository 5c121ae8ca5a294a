#!/usr/bin/env python3
"""Downloads handed to nginx by ``X-Accel-Redirect`` against downloads
through the application, behind the same nginx.  See ``benchmarks/README.md``.

    python3 benchmarks/nginx_downloads.py                 # 200 small wheels, a 20 MiB one
    python3 benchmarks/nginx_downloads.py --write-docs    # docs/benchmarks-nginx.rst

One run: loads an index (SQLite and a folder) with small wheels and a large
one; starts ``cheeseshop serve`` on it with
``cheeseshop.storage.accel_redirect`` and a twin without; puts an nginx
(Debian's, the deployment guide's block) in front of each; checks the bytes
through both; measures small and large downloads with ``wrk``, interleaved;
prints requests/s, MiB/s, p99 and CPU time per request of cheeseshop and of
nginx.  The ``cheeseshop`` measured is the one installed beside the Python
running the benchmark.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.nginx_run import render, run_nginx_downloads  # noqa: E402
from harness.paths import DEFAULT_WORK, REPO  # noqa: E402
from harness.processes import kill_all  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Downloads handed to nginx (X-Accel-Redirect) against downloads "
        "through cheeseshop, behind the same nginx."
    )
    p.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="(benchmarks/.work)")
    p.add_argument("--projects", type=int, default=200, help="small wheels, one each (200)")
    p.add_argument("--big-mb", type=int, default=20, help="the large wheel, MiB (20)")
    p.add_argument("--duration", type=int, default=5, help="wrk seconds per row (5)")
    p.add_argument("--warmup", type=int, default=1, help="unmeasured wrk seconds before (1)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    p.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (2)")
    p.add_argument("--wrk-timeout", type=float, default=30, help="wrk --timeout seconds (30)")
    p.add_argument("--upload-threads", type=int, default=8, help="corpus upload threads (8)")
    p.add_argument(
        "--cheeseshop-serve-args",
        default="",
        metavar="ARGS",
        help="extra arguments for both `cheeseshop serve`, e.g. '--workers 2'",
    )
    p.add_argument("--start-timeout", type=float, default=90, help="seconds for a server (90)")
    p.add_argument("--render", type=Path, metavar="RESULTS_JSON", help="report a saved run")
    p.add_argument("--write-docs", action="store_true", help="write docs/benchmarks-nginx.rst")
    p.add_argument(
        "--docs-path",
        type=Path,
        default=REPO / "docs" / "benchmarks-nginx.rst",
        help=argparse.SUPPRESS,
    )
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    args.reinstall = False
    if args.projects < 1 or args.big_mb < 1:
        p.error("--projects and --big-mb must be >= 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args)
    given = sys.argv[1:] if argv is None else argv
    command = "python3 benchmarks/nginx_downloads.py" + (" " + shlex.join(given) if given else "")
    return run_nginx_downloads(args, command)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        kill_all()
        sys.exit(130)

#!/usr/bin/env python3
"""Benchmark cheeseshop against pypiserver and devpi-server, side by side.

Run it from anywhere as ``python3 benchmarks/compare.py`` (stdlib only; every
server is installed into its own venv under the work dir).  See
``benchmarks/README.md`` for what is measured and how.

One run:

1. makes (or reuses) one venv per server under ``--work-dir``;
2. generates (or reuses) a synthetic corpus of small, valid wheels;
3. for each server in turn: starts it on 127.0.0.1:<free port> with a fresh
   data dir, uploads the corpus through its upload API with a thread pool,
   then measures the read endpoints with ``wrk`` and the peak RSS;
4. cheeseshop only: uploads and downloads a 300 MB wheel and reports the
   server's memory growth;
5. prints a table of absolute figures and ratios; ``--write-docs`` also writes
   ``docs/benchmarks.rst``.

Every server process is started in its own session and killed on exit
(try/finally, atexit and SIGTERM/SIGINT handlers).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.docs_page import write_docs  # noqa: E402
from harness.paths import DEFAULT_WORK, REPO  # noqa: E402
from harness.processes import kill_all  # noqa: E402
from harness.runner import render, run_benchmark  # noqa: E402
from harness.servers import SERVERS  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Compare cheeseshop, devpi-server and pypiserver (uploads, reads, memory)."
    )
    p.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK,
        help="venvs, corpus, data dirs and logs (default: benchmarks/.work)",
    )
    p.add_argument("--projects", type=int, default=1000, help="projects in the corpus (1000)")
    p.add_argument("--releases", type=int, default=5, help="releases per project (5)")
    p.add_argument("--duration", type=float, default=10, help="wrk seconds per endpoint (10)")
    p.add_argument(
        "--warmup",
        type=float,
        default=2,
        help="unmeasured wrk seconds before each endpoint (2; 0 disables)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="read rounds; servers are interleaved in each, rows show the median (3)",
    )
    p.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (2)")
    p.add_argument("--wrk-timeout", type=float, default=10, help="wrk --timeout seconds (10)")
    p.add_argument("--upload-threads", type=int, default=8, help="upload thread pool size (8)")
    p.add_argument(
        "--max-urls",
        type=int,
        default=1000,
        help="at most this many projects' pages (and their files) are cycled (1000)",
    )
    p.add_argument(
        "--servers",
        default="cheeseshop,devpi,pypiserver",
        help="comma-separated subset of cheeseshop,devpi,pypiserver",
    )
    p.add_argument(
        "--big-mb",
        type=int,
        default=300,
        help="size of the large-wheel test in MiB (300; 0 skips it)",
    )
    p.add_argument(
        "--big-servers",
        default="cheeseshop",
        help="servers that get the large-wheel test (cheeseshop)",
    )
    p.add_argument(
        "--big-limit-mb",
        type=float,
        default=50,
        help="target for server RSS growth during the large-wheel test (50)",
    )
    p.add_argument("--big-timeout", type=float, default=600, help="seconds per big transfer")
    p.add_argument(
        "--start-timeout",
        type=float,
        default=90,
        help="seconds to wait for a server to answer (90)",
    )
    p.add_argument(
        "--cheeseshop-serve-args",
        default="",
        metavar="ARGS",
        help="extra arguments for `cheeseshop serve`, e.g. '--workers 2'",
    )
    p.add_argument(
        "--devpi-auth",
        choices=("basic", "token"),
        default="basic",
        help="devpi uploads: HTTP Basic with the password, verified with argon2 on "
        "every request, as twine does (default), or devpi-client's login token "
        "(X-Devpi-Auth)",
    )
    p.add_argument(
        "--reuse-data",
        action="store_true",
        help="start each server on the data an earlier run of the same corpus "
        "loaded, skipping the upload phase (its figures are carried over "
        "and marked); for iterating on read performance",
    )
    p.add_argument(
        "--render",
        type=Path,
        metavar="RESULTS_JSON",
        help="run nothing: print the table of a saved results file (and with "
        "--write-docs write the docs page from it, with its original command)",
    )
    p.add_argument("--reinstall", action="store_true", help="recreate the venvs")
    p.add_argument(
        "--write-docs",
        action="store_true",
        help="write docs/benchmarks.rst with the table, machine and command",
    )
    p.add_argument(
        "--docs-path", type=Path, default=REPO / "docs" / "benchmarks.rst", help=argparse.SUPPRESS
    )
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    for s in args.servers:
        if s not in SERVERS:
            p.error(f"unknown server {s!r} (choose from {', '.join(SERVERS)})")
    args.big_servers = [s.strip() for s in args.big_servers.split(",") if s.strip()]
    if args.projects < 1 or args.releases < 1:
        p.error("--projects and --releases must be >= 1")
    return args


def main(argv=None, *, docs_writer=write_docs) -> int:
    """``docs_writer(path, results, head, rows, notes, command)`` writes the
    docs page (public_shape.py passes its own)."""
    args = parse_args(argv)
    if args.render:
        return render(args, docs_writer)
    given = sys.argv[1:] if argv is None else argv
    command = "python3 benchmarks/compare.py" + (" " + shlex.join(given) if given else "")
    return run_benchmark(args, command, docs_writer)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        kill_all()
        sys.exit(130)

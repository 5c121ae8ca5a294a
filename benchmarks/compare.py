#!/usr/bin/env python3
"""Benchmark cheeseshop against pypiserver and devpi-server and against the
stack's ceiling, side by side, in one run.

Run it from anywhere as ``python3 benchmarks/compare.py`` (stdlib only; devpi
and pypiserver are installed into venvs of their own under the work dir).
See ``benchmarks/README.md`` for what is measured and how.

One run:

1. makes (or reuses) a venv for devpi and for pypiserver; cheeseshop is the
   one installed for this Python (``--cheeseshop-install``);
2. generates (or reuses) a synthetic corpus of small, valid wheels;
3. for each server in turn: starts it on 127.0.0.1:<free port> with a fresh
   data dir, uploads the corpus through its upload API with a thread pool,
   and starts it afresh on that data (cheeseshop with one worker);
4. starts the ceiling: a minimal Pyramid app answering a fixed body (one of
   cheeseshop's simple pages) with ``cheeseshop serve``'s waitress options;
5. measures the read rows with ``wrk``, every server and the ceiling
   interleaved round by round, with each server's CPU time and peak RSS;
6. cheeseshop only: uploads and downloads a 300 MB wheel and reports the
   server's memory growth;
7. prints the tables, ratios and verdicts (>= 5x devpi, a cached project
   page >= 50% of the ceiling, a worker's peak RSS <= 150 MB);
   ``--write-docs`` also writes ``docs/benchmarks.rst``.

Every server process is started in its own session and killed on exit
(try/finally, atexit and SIGTERM/SIGINT handlers).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import options  # noqa: E402
from harness.docs_page import write_docs  # noqa: E402
from harness.runner import bench  # noqa: E402
from harness.servers import SERVERS  # noqa: E402

# The common options' defaults here; a front (ceiling.py, public_shape.py)
# passes its own.
SHAPE = {
    "description": "cheeseshop against devpi-server, pypiserver and the stack's ceiling "
    "(uploads, reads, CPU time, memory), in one run.",
    "docs_page": "benchmarks.rst",
    "projects": 1000,
    "releases": 5,
    "duration": 10,
    "warmup": 2,
}


def parse_args(argv=None, *, shape=None, **defaults):
    """``shape``: the common options' defaults in place of ``SHAPE``;
    ``defaults``: this script's own options' defaults (``servers``, ...)."""
    p = options.parser(**(shape or SHAPE))
    servers = defaults.get("servers", "cheeseshop,devpi,pypiserver")
    p.add_argument(
        "--servers",
        default=servers,
        help=f"comma-separated subset of {', '.join(SERVERS)} ({servers})",
    )
    p.add_argument(
        "--no-ceiling",
        dest="ceiling",
        action="store_false",
        help="without the stack's ceiling (it needs cheeseshop)",
    )
    big_mb = defaults.get("big_mb", 300)
    p.add_argument(
        "--big-mb",
        type=int,
        default=big_mb,
        help=f"size of the large-wheel test in MiB ({big_mb}; 0 skips it)",
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
        "--devpi-auth",
        choices=("basic", "token"),
        default="basic",
        help="devpi uploads: HTTP Basic with the password, verified with argon2 on "
        "every request, as twine does (default), or devpi-client's login token "
        "(X-Devpi-Auth)",
    )
    p.set_defaults(**defaults)
    args = options.finish(p, argv)
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    for s in args.servers:
        if s not in SERVERS:
            p.error(f"unknown server {s!r} (choose from {', '.join(SERVERS)})")
    args.big_servers = [s.strip() for s in args.big_servers.split(",") if s.strip()]
    return args


def main(argv=None, *, script="compare.py", docs_writer=write_docs, shape=None, **defaults):
    """``docs_writer(path, results, command)`` writes the docs page;
    ``script``, ``shape`` and ``defaults``: the front that runs it
    (public_shape.py, ceiling.py) and its defaults; its results files are
    ``results/<script's name>-<date>.json``."""
    return options.entry_point(
        script,
        lambda argv: parse_args(argv, shape=shape, **defaults),
        bench(docs_writer, script.removesuffix(".py").replace("_", "-")),
        argv,
    )


if __name__ == "__main__":
    sys.exit(main())

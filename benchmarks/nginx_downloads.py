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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import options  # noqa: E402
from harness.nginx_run import BENCH  # noqa: E402


def parse_args(argv=None):
    p = options.parser(
        "Downloads handed to nginx (X-Accel-Redirect) against downloads "
        "through cheeseshop, behind the same nginx.",
        docs_page="benchmarks-nginx.rst",
        releases=None,  # one small wheel each
        wrk_timeout=30,
        install=False,  # the cheeseshop of this interpreter
        reuse_data=False,
        max_urls=False,
    )
    p.add_argument("--big-mb", type=int, default=20, help="the large wheel, MiB (20)")
    return options.finish(p, argv, at_least_one=("big_mb",))


def main(argv=None) -> int:
    return options.entry_point("nginx_downloads.py", parse_args, BENCH, argv)


if __name__ == "__main__":
    sys.exit(main())

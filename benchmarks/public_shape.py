"""cheeseshop in its public-index shape — PostgreSQL + S3 over HTTP (moto's
server on loopback) — beside the embedded default (SQLite + a folder), in one
run of compare.py's harness, on the same corpus, uploads and load.

    python3 benchmarks/public_shape.py --write-docs
        (compare.py --servers cheeseshop,cheeseshop-pg-s3 --no-ceiling, written
         to docs/benchmarks-public-shape.rst; it takes any compare.py option)

PostgreSQL must be running (scripts/postgres.sh starts it); the database is
made for the run and dropped after it. ``CHEESESHOP_BENCH_POSTGRESQL`` names
an admin URL (default: the test suite's role on 127.0.0.1:5432).
The server itself is ``harness/cheeseshop_public.py``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
from harness.cheeseshop_public import register, write_public_docs  # noqa: E402


def main(argv=None):
    register()
    return compare.main(
        argv,
        script="public_shape.py",
        docs_writer=write_public_docs,
        shape={**compare.SHAPE, "docs_page": "benchmarks-public-shape.rst"},
        servers="cheeseshop,cheeseshop-pg-s3",
        ceiling=False,
    )


if __name__ == "__main__":
    sys.exit(main())

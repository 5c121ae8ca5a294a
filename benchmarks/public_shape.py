"""cheeseshop in its public-index shape — PostgreSQL + S3 over HTTP (moto's
server on loopback) — beside the embedded default (SQLite + a folder), in one
run of compare.py's harness, on the same corpus, uploads and load.

    python3 benchmarks/public_shape.py --write-docs
        (= compare.py --servers cheeseshop,cheeseshop-pg-s3
           --docs-path docs/benchmarks-public-shape.rst, plus any compare.py option)

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
from harness.paths import REPO  # noqa: E402


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    register()
    if "--servers" not in argv:
        argv += ["--servers", "cheeseshop,cheeseshop-pg-s3"]
    if "--docs-path" not in argv:
        argv += ["--docs-path", str(REPO / "docs" / "benchmarks-public-shape.rst")]
    return compare.main(argv, docs_writer=write_public_docs)


if __name__ == "__main__":
    sys.exit(main())

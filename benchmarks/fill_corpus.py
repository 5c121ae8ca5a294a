"""Fill an index with a corpus at public scale, fast: N projects and about M
files (small valid wheels with METADATA and PEP 658 ``.metadata``, and
sdists with PKG-INFO), with realistic names and 1 to 2,000 versions per
project, written through cheeseshop's own models and storage in bulk (not
HTTP; see ``harness/bulk_corpus.py``). Progress goes to stderr.

    python3 benchmarks/fill_corpus.py --data DIR [--projects 100000] [--files 500000]
    python3 benchmarks/fill_corpus.py -c production.ini ...   (PostgreSQL + S3)

The index is made (migrated) when it does not exist; projects already in it
are kept, and the new names avoid theirs. Nothing else may write to the
index while it fills. Check it afterwards with ``cheeseshop --data DIR fsck``.

The bytes (``harness/bulk_stores.py``): into a folder, as files at the
paths ``FilesystemStorage`` uses, one ``syncfs`` per batch of 20,000 files
before the batch's rows commit (~800 files/s on the shared 2-core machine,
500,000 files in about 10 minutes); into any other storage, through
``IFileStorage.store`` by ``--threads`` threads (a real S3's latency is
spread over them; moto's server over HTTP manages ~85 files/s).
``benchmarks/scale.py --backend pg-s3`` fills its in-process moto directly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))
sys.path.insert(0, str(BENCHMARKS.parent / "src"))

from harness.bulk_corpus import BulkFiller, FillReport, progress_logger  # noqa: E402
from harness.bulk_stores import store_for  # noqa: E402
from harness.console import log  # noqa: E402
from harness.corpus_shape import PlannedProject, plan  # noqa: E402
from sqlalchemy import select  # noqa: E402

from cheeseshop.cli.context import Environment  # noqa: E402
from cheeseshop.db.engines import get_engine  # noqa: E402
from cheeseshop.models.catalog import PROJECTS  # noqa: E402
from cheeseshop.storage import storage_from_settings  # noqa: E402


def fill_index(
    data_dir=None,
    config_uri=None,
    projects: int = 100_000,
    files: int = 500_000,
    *,
    seed: int = 1,
    fixed: list[PlannedProject] = (),
    threads: int = 32,
    store=None,
) -> FillReport:
    """Fill the index of ``--data`` or ``-c`` with ``fixed`` projects first,
    then ``projects`` planned ones of about ``files`` files in all. The
    bytes go to ``store`` (see ``harness.bulk_stores``), by default the
    index's own storage's ``store_for``."""
    env = Environment(data_dir=data_dir, config_uri=config_uri)
    env.upgrade_database()
    settings = env.settings
    engine = get_engine(settings)
    try:
        with engine.connect() as connection:
            taken = set(connection.scalars(select(PROJECTS.c.normalized_name)))
        planned = list(fixed)
        fixed_files = sum(p.versions * (1 + p.sdists) for p in fixed)
        if projects:
            planned += plan(projects, max(0, files), seed, taken | {_name(p) for p in fixed})
        total = sum(p.versions * (1 + p.sdists) for p in planned)
        log(
            f"fill: {len(planned):,} projects, {total:,} files"
            f" ({fixed_files:,} in {len(fixed)} fixed projects) into {env.where}"
        )
        if store is None:
            store = store_for(storage_from_settings(settings), threads)
        log(f"fill: bytes through {type(store).__name__}")
        filler = BulkFiller(engine, store)
        report = filler.fill(planned, progress_logger(total))
    finally:
        engine.dispose()
    log(
        f"fill: done, {report.projects:,} projects, {report.releases:,} releases,"
        f" {report.files:,} files in {report.seconds:.1f} s"
        f" ({report.files_per_second:,.0f} files/s)"
    )
    return report


def measured_projects(count: int, versions: int = 2) -> list[PlannedProject]:
    """Projects of one shape in every index a benchmark compares
    (``scalebench-0000``...): ``versions`` releases of a wheel and an sdist."""
    return [PlannedProject(f"scalebench-{i:04d}", versions, True) for i in range(count)]


def _name(project):
    import packaging.utils

    return packaging.utils.canonicalize_name(project.name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data", type=Path, help="SQLite + folder index's folder")
    where.add_argument("-c", "--config", help="the index's ini (e.g. PostgreSQL + S3)")
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=500_000, help="about this many files")
    parser.add_argument(
        "--measured",
        type=int,
        default=0,
        help="also this many projects scalebench-NNNN of 2 versions (wheel + sdist)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=32, help="threads storing bytes")
    args = parser.parse_args(argv)
    if args.projects < 0 or args.files < args.projects:
        parser.error("--files must be at least --projects (each project has a file)")
    fill_index(
        str(args.data) if args.data else None,
        args.config,
        args.projects,
        args.files,
        seed=args.seed,
        fixed=measured_projects(args.measured),
        threads=args.threads,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the database says storage holds: one scan that fsck and the storage
copy share."""

import dataclasses

from sqlalchemy import func, select

from cheeseshop.models.catalog import File
from cheeseshop.models.upstream import UPSTREAM_OBJECTS
from cheeseshop.storage.keys import metadata_key

ROWS_PER_BATCH = 500


@dataclasses.dataclass(frozen=True)
class ExpectedObject:
    """A stored object a file row references, and what its bytes must be."""

    key: str
    sha256: str
    size: int | None  # None for .metadata objects: rows do not record their size
    is_metadata: bool = False


STORED = UPSTREAM_OBJECTS.c.path.isnot(None)


def count_files(engine) -> int:
    """How many items :func:`iter_files` yields (a progress bar's length)."""
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(File)) + connection.scalar(
            select(func.count()).select_from(UPSTREAM_OBJECTS).where(STORED)
        )


def iter_files(engine):
    """For each file row, oldest first, the objects it references: the file
    and, when the row records one, its PEP 658 ``.metadata``; then each
    object the pull-through cache stored."""
    columns = (File.path, File.size, File.sha256_digest, File.metadata_sha256)
    with engine.connect() as connection:
        # yield_per: rows arrive in batches (a server-side cursor on
        # PostgreSQL), never the whole table in memory.
        rows = connection.execution_options(yield_per=ROWS_PER_BATCH).execute(
            select(*columns).order_by(File.id)
        )
        for row in rows:
            objects = [ExpectedObject(row.path, row.sha256_digest, row.size)]
            if row.metadata_sha256:
                objects.append(
                    ExpectedObject(
                        metadata_key(row.path), row.metadata_sha256, None, is_metadata=True
                    )
                )
            yield objects
        # The pull-through cache's files and .metadata, one object each.
        cached = connection.execution_options(yield_per=ROWS_PER_BATCH).execute(
            select(
                UPSTREAM_OBJECTS.c.path,
                UPSTREAM_OBJECTS.c.sha256,
                UPSTREAM_OBJECTS.c.size,
                UPSTREAM_OBJECTS.c.name,
            )
            .where(STORED)
            .order_by(UPSTREAM_OBJECTS.c.id)
        )
        for row in cached:
            yield [
                ExpectedObject(
                    row.path, row.sha256, row.size, is_metadata=row.name.endswith(METADATA)
                )
            ]


METADATA = ".metadata"

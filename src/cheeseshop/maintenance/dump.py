"""``cheeseshop dump``: the whole index, rows and file bytes, as one archive
(:mod:`cheeseshop.maintenance.archive`) that loads into any database and
storage backend.

Rows come from one read transaction, a snapshot (REPEATABLE READ on
PostgreSQL, a WAL read transaction on SQLite), and so does the list of the
stored objects they reference: an upload or a removal while the dump runs
is either wholly in it or not at all. Every table of the models is dumped,
in foreign-key order, but the SQL storage backend's (its blobs travel as
files, like any backend's). Each table is spooled to a temporary file first
(the tar needs each member's size before its bytes), so memory never holds
more than a batch of rows; files stream from storage into the archive, each
checked against the sha256 its row records.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import importlib.metadata
import json
import tempfile

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

import cheeseshop.models  # noqa: F401  (every table on Base.metadata)
from cheeseshop.maintenance import referenced
from cheeseshop.maintenance.archive import FILES, MANIFEST, ArchiveWriter, DumpedTable, Manifest
from cheeseshop.maintenance.row_encoding import encode, kind_of, selected
from cheeseshop.maintenance.scrub import Scrubber
from cheeseshop.models.blobs import BLOBS, CHUNKS
from cheeseshop.models.meta import Base
from cheeseshop.storage.errors import NotFound

ROWS_PER_BATCH = 500
READ_SIZE = 1024 * 1024
# The SQL storage backend's tables: storage, not the index.
STORAGE_TABLES = frozenset({BLOBS.name, CHUNKS.name})


class DumpError(Exception):
    """The index cannot be dumped as it is; one line."""


@dataclasses.dataclass(frozen=True)
class DumpReport:
    manifest: Manifest
    left_out: int  # rows a scrubbed dump left out

    def summary(self):
        manifest = self.manifest
        line = (
            f"dumped {manifest.rows} rows of {len(manifest.tables)} tables and "
            f"{manifest.files} files ({manifest.file_bytes} bytes)"
        )
        if manifest.scrubbed:
            line += f", scrubbed ({self.left_out} rows left out)"
        return line


def no_progress(length, label):
    """The progress argument's shape: a context manager per stage whose
    value has ``update(n)`` (click's progress bar)."""
    return contextlib.nullcontext(_Ignored())


class _Ignored:
    def update(self, n):
        pass


def dumped_tables():
    """Every table of the models in foreign-key order, but storage's own."""
    return [table for table in Base.metadata.sorted_tables if table.name not in STORAGE_TABLES]


def write_dump(engine, storage, fileobj, *, scrub=False, compress=False, progress=no_progress):
    """Write the index on ``engine`` and ``storage`` to ``fileobj`` (written
    front to back, never sought); a :class:`DumpReport`."""
    tables = dumped_tables()
    kinds = {
        table.name: {column.name: kind_of(column) for column in table.columns} for table in tables
    }
    scrubber = None
    if scrub:
        scrubber = Scrubber()
        scrubber.check(tables)
    created = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    with contextlib.ExitStack() as spools:
        with snapshot(engine) as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
            total = sum(
                connection.scalar(select(func.count()).select_from(table)) for table in tables
            )
            dumped, left_out = [], 0
            with progress(total, "dumping rows") as bar:
                for table in tables:
                    spool = spools.enter_context(tempfile.TemporaryFile())
                    spooled = _spool_table(
                        connection, table, kinds[table.name], scrubber, spool, bar
                    )
                    dumped.append(
                        (DumpedTable(table.name, kinds[table.name], spooled.rows), spooled)
                    )
                    left_out += spooled.left_out
            listing = spools.enter_context(tempfile.TemporaryFile())
            files, file_bytes = _list_objects(connection, storage, listing)
        manifest = Manifest(
            alembic_revision=revision,
            cheeseshop_version=importlib.metadata.version("cheeseshop"),
            created=created.isoformat().replace("+00:00", "Z"),
            scrubbed=scrub,
            tables=tuple(table for table, _ in dumped),
            files=files,
            file_bytes=file_bytes,
        )
        writer = ArchiveWriter(fileobj, compress=compress, mtime=int(created.timestamp()))
        try:
            writer.add_bytes(MANIFEST, manifest.to_json())
            for table, spooled in dumped:
                spooled.spool.seek(0)
                writer.add(table.member, spooled.spool, spooled.size, spooled.sha256)
            listing.seek(0)
            with progress(file_bytes, "dumping files") as bar:
                for line in listing:
                    key, sha256, size = json.loads(line)
                    _add_file(writer, storage, key, sha256, size)
                    bar.update(size)
            writer.close()
        except BaseException:
            writer.abandon()
            raise
    return DumpReport(manifest, left_out)


@contextlib.contextmanager
def snapshot(engine):
    """A connection in a read transaction that sees one moment of the index."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            yield connection


class _SnapshotBind:
    """What :func:`referenced.iter_files` connects with: the dump's own
    connection, so that the objects listed are those of the rows dumped."""

    def __init__(self, connection):
        self.connection = connection

    def connect(self):
        return contextlib.nullcontext(self.connection)


@dataclasses.dataclass
class _Spooled:
    spool: object
    rows: int = 0
    left_out: int = 0
    size: int = 0
    sha256: str = ""


def _spool_table(connection, table, kinds, scrubber, spool, bar):
    spooled = _Spooled(spool)
    digest = hashlib.sha256()
    query = (
        select(*(selected(table.c[name], kind) for name, kind in kinds.items()))
        .order_by(*table.primary_key.columns)
        .execution_options(yield_per=ROWS_PER_BATCH)
    )
    if scrubber is not None and scrubber.leaves_out(table.name):
        spooled.left_out = connection.scalar(select(func.count()).select_from(table))
        bar.update(spooled.left_out)
        query = None
    for row in connection.execute(query) if query is not None else ():
        bar.update(1)
        values = dict(row._mapping)
        if scrubber is not None:
            values = scrubber.row(table.name, values)
            if values is None:
                spooled.left_out += 1
                continue
        # ASCII only: \u escapes carry any string, lone surrogates too.
        line = json.dumps(encode(kinds, values), separators=(",", ":")).encode() + b"\n"
        spool.write(line)
        digest.update(line)
        spooled.size += len(line)
        spooled.rows += 1
    spooled.sha256 = digest.hexdigest()
    return spooled


def _list_objects(connection, storage, listing):
    """Write (key, sha256, size) of every referenced object to ``listing``;
    (how many, their bytes). A .metadata object's size is not recorded:
    storage says it."""
    count = total = 0
    for objects in referenced.iter_files(_SnapshotBind(connection)):
        for expected in objects:
            size = expected.size
            if size is None:
                try:
                    size = storage.size(expected.key)
                except NotFound:
                    raise DumpError(_missing(expected.key)) from None
            listing.write(json.dumps([expected.key, expected.sha256, size]).encode() + b"\n")
            count += 1
            total += size
    return count, total


def _add_file(writer, storage, key, sha256, size):
    try:
        stream = storage.open(key)
    except NotFound:
        raise DumpError(_missing(key)) from None
    with contextlib.closing(stream):
        reader = _CheckedReader(stream, key, size)
        writer.add(FILES + key, reader, size, sha256)
    if reader.sha256.hexdigest() != sha256:
        raise DumpError(
            f"{key}: the stored bytes are not the ones recorded (sha256 mismatch); "
            "run 'cheeseshop fsck'"
        )


def _missing(key):
    return f"{key}: missing in storage (removed meanwhile?); run 'cheeseshop fsck'"


class _CheckedReader:
    """Full reads of a stored object, hashed; fewer bytes than the row
    records is a DumpError (a tar writer would only say "unexpected end")."""

    def __init__(self, stream, key, size):
        self.stream = stream
        self.key = key
        self.remaining = size
        self.sha256 = hashlib.sha256()

    def read(self, n):
        parts, wanted = [], min(n, self.remaining)
        while wanted > 0:
            data = self.stream.read(min(wanted, READ_SIZE))
            if not data:
                raise DumpError(
                    f"{self.key}: storage holds fewer bytes than recorded; run 'cheeseshop fsck'"
                )
            parts.append(data)
            wanted -= len(data)
        data = b"".join(parts)
        self.remaining -= len(data)
        self.sha256.update(data)
        return data

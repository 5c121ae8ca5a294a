"""``cheeseshop load``: a dump (:mod:`cheeseshop.maintenance.archive`) into
an empty index, on any database and storage backend.

1. Refuse a database that holds rows, or storage that holds files, before
   anything is touched.
2. Bring the schema to the dump's alembic revision: the rows fit it.
3. In one transaction, insert the rows in foreign-key order, a batch at a
   time, and store the file bytes as they stream out of the archive; on
   PostgreSQL, move each id sequence past the ids inserted. The counts of
   the manifest, and each member's sha256, are checked before the commit.
4. Upgrade to this cheeseshop's newest schema (a dump of an older
   cheeseshop loads into a newer one), rebuild the search index (its
   full-text table is the dialect's own and is never dumped), and verify
   the whole index as ``cheeseshop fsck`` does.

A damaged, incomplete or foreign archive commits no row: the transaction
rolls back. Bytes stored on a transactional backend roll back with it; on
the others, every key stored is deleted again (storage was empty when the
load began); a key that cannot be deleted is named, and ``cheeseshop fsck
--repair`` removes it. The schema of step 2 stays: an empty schema, which a
new load accepts.
"""

import dataclasses
import itertools
import json
import os

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy.orm import Session

from cheeseshop.db import migrations
from cheeseshop.maintenance import fsck, referenced
from cheeseshop.maintenance.archive import FILES, ArchiveError
from cheeseshop.maintenance.dump import no_progress
from cheeseshop.maintenance.row_encoding import (
    INTEGER,
    SQL_TYPE_OF_KIND,
    RowError,
    decode,
    needs_json_cast,
)
from cheeseshop.models.catalog import Project
from cheeseshop.search.dialects import reindex
from cheeseshop.storage.errors import StorageError

ROWS_PER_BATCH = 500
PROJECTS_PER_BATCH = 200


class LoadError(Exception):
    """The load is refused or failed; one line."""


@dataclasses.dataclass
class LoadReport:
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    upgraded_to: str | None = None  # the newest revision, when the dump's was older
    reindexed: int = 0  # projects given a search document
    verification: fsck.Report | None = None


def check_target(url, storage):
    """The target's alembic revision (None: no schema yet), or a
    LoadError when the database holds rows or storage holds files."""
    revision = _check_database(url)
    for key in storage.keys():
        raise LoadError(
            f"the storage is not empty (it holds {key}): load into empty storage "
            "(bytes no row references are removed by 'cheeseshop fsck --repair')"
        )
    return revision


def _check_database(url):
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if not path or not os.path.isfile(path):
            return None  # a new SQLite file: checking must not create it
    where = migrations.describe(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
            names = [
                name
                for name in sa.inspect(connection).get_table_names()
                if name != "alembic_version" and not migrations.is_full_text_table(name)
            ]
            if revision is None and names:
                raise LoadError(f"the {where} holds tables of something else ({names[0]})")
            for name in names:
                if connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name))):
                    raise LoadError(
                        f"the {where} is not empty (table {name} has rows): "
                        "load into an empty database"
                    )
    except sa.exc.DBAPIError as exc:
        raise LoadError(str(migrations.unreachable(url, exc))) from exc
    finally:
        engine.dispose()
    return revision


def migrate_to(url, current, revision):
    """Bring an empty schema (or none) to ``revision``, the dump's."""
    script = ScriptDirectory(migrations.SCRIPT_LOCATION)
    try:
        script.get_revision(revision)
    except (CommandError, ResolutionError):
        raise LoadError(
            f"the dump's schema (revision {revision}) is newer than this cheeseshop's "
            f"(revision {script.get_current_head()}): load it with a newer cheeseshop"
        ) from None
    if current == revision:
        return
    older = current is not None and revision in {
        step.revision for step in script.iterate_revisions(current, "base")
    }
    if older:
        migrations.downgrade(url, revision)  # nothing to lose: every table is empty
    else:
        migrations.upgrade(url, revision)


def load_rows_and_files(engine, storage, reader, manifest, *, progress=no_progress):
    """Step 3, in one transaction; a :class:`LoadReport`."""
    report = LoadReport()
    try:
        with engine.begin() as connection:
            with progress(manifest.rows, "loading rows") as bar:
                for table in manifest.tables:
                    report.rows += _load_table(connection, reader, table, bar)
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection, manifest.tables)
            # A transactional backend writes on this very connection.
            target = storage.for_transaction(Session(bind=connection))
            with progress(manifest.file_bytes, "loading files") as bar:
                _load_files(target, reader, report, bar)
            if (report.files, report.file_bytes) != (manifest.files, manifest.file_bytes):
                raise ArchiveError(
                    f"the archive is incomplete: {report.files} of {manifest.files} files "
                    f"({report.file_bytes} of {manifest.file_bytes} bytes)"
                )
    except BaseException as exc:
        # Interrupted too (Ctrl-C on a long load): leave no bytes behind.
        outcome = "nothing was committed"
        if not storage.transactional:
            outcome += "; " + _remove_stored(storage)
        if isinstance(exc, (ArchiveError, StorageError, OSError)):
            raise LoadError(f"{exc}; {outcome}") from exc
        if isinstance(exc, sa.exc.DBAPIError):
            reason = " ".join(str(exc.orig).split())
            raise LoadError(f"the database refused: {reason}; {outcome}") from exc
        raise
    return report


def _load_table(connection, reader, table, bar):
    member = reader.next_member()
    if member is None or member.name != table.member:
        found = "the end of the archive" if member is None else member.name
        raise ArchiveError(f"the archive is incomplete: expected {table.member}, found {found}")
    insert, parameters = _insert(connection.dialect.name, table)
    rows = 0
    lines = enumerate(member.lines(), start=1)
    while batch := list(itertools.islice(lines, ROWS_PER_BATCH)):
        values = []
        for number, line in batch:
            try:
                row = decode(table.columns, json.loads(line))
                values.append({parameters[name]: value for name, value in row.items()})
            except (ValueError, RowError) as exc:
                raise ArchiveError(f"{member.name} line {number}: {exc}") from None
        connection.execute(insert, values)
        rows += len(values)
        bar.update(len(values))
    member.verify()
    if rows != table.rows:
        raise ArchiveError(f"{member.name}: {rows} rows, the manifest says {table.rows}")
    return rows


def _insert(dialect_name, table):
    """The table's insert, as the manifest describes its columns (the
    schema is at the dump's revision, which the models may not be), and
    how to name a row's values for it: ``p0``, ``p1``... (SQLAlchemy keeps
    the columns' own names for the values it binds by itself)."""
    target = sa.table(table.name, *(sa.column(name) for name in table.columns))
    values, parameters = {}, {}
    for number, (name, kind) in enumerate(table.columns.items()):
        parameters[name] = f"p{number}"
        value = sa.bindparam(f"p{number}", type_=SQL_TYPE_OF_KIND[kind])
        if needs_json_cast(dialect_name, kind):
            value = sa.cast(value, sa.JSON)
        values[name] = value
    return sa.insert(target).values(values), parameters


def _reset_sequences(connection, tables):
    """Explicit ids leave PostgreSQL's sequences behind: the next upload
    would take id 1 again. Move each one past the greatest id loaded."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for name, kind in table.columns.items():
            if kind != INTEGER:
                continue
            sequence = connection.scalar(
                sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": name},
            )
            if sequence is None:
                continue
            connection.execute(
                sa.text(
                    f"SELECT setval(:sequence, coalesce(max({quote(name)}), 1), "
                    f"max({quote(name)}) IS NOT NULL) FROM {quote(table.name)}"
                ),
                {"sequence": sequence},
            )


def _load_files(storage, reader, report, bar):
    while (member := reader.next_member()) is not None:
        if not member.name.startswith(FILES):
            raise ArchiveError(f"unexpected member {member.name!r} among the files")
        key = member.name[len(FILES) :]
        storage.store(key, member, member.size)
        member.verify()
        report.files += 1
        report.file_bytes += member.size
        bar.update(member.size)


def _remove_stored(storage):
    """Delete what a failed load stored (storage was empty when it began)."""
    removed, failed = 0, []
    try:
        for key in list(storage.keys()):
            try:
                storage.delete(key)
                removed += 1
            except StorageError:
                failed.append(key)
        for name in list(storage.partial_writes()):
            try:
                storage.remove_partial(name)
            except StorageError:
                failed.append(name)
    except StorageError as exc:
        return f"removing the files stored failed ({exc}): 'cheeseshop fsck --repair' removes them"
    if failed:
        return (
            f"{removed} files stored were removed, {len(failed)} could not be "
            f"(e.g. {failed[0]}): 'cheeseshop fsck --repair' removes them"
        )
    return f"the {removed} files stored were removed" if removed else "no file was stored"


def finish(url, engine, storage, manifest, report, *, progress=no_progress):
    """Step 4: the newest schema, the search index, the verification."""
    head = ScriptDirectory(migrations.SCRIPT_LOCATION).get_current_head()
    if manifest.alembic_revision != head:
        migrations.upgrade(url)
        report.upgraded_to = head
    report.reindexed = rebuild_search(engine)
    with progress(referenced.count_files(engine), "verifying files") as bar:
        report.verification = fsck.check_index(engine, storage, progress=bar.update)
    return report


def rebuild_search(engine) -> int:
    """Index every project, a batch at a time, in one transaction."""
    count, last_id = 0, 0
    with Session(engine) as session, session.begin():
        while True:
            projects = session.scalars(
                sa.select(Project)
                .where(Project.id > last_id)
                .order_by(Project.id)
                .limit(PROJECTS_PER_BATCH)
            ).all()
            if not projects:
                return count
            for project in projects:
                reindex(session, project)
            count += len(projects)
            last_id = projects[-1].id
            session.expunge_all()

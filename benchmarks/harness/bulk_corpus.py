"""Filling an index with a planned corpus (``corpus_shape``) through the
domain layer, in bulk: the rows an upload writes (see
``cheeseshop.publishing.recording``: projects, releases, files, journal
entries, ``last_serial``, the search document and classifiers) inserted with
SQLAlchemy Core's executemany, thousands of files per transaction, and the
bytes put by a ``bulk_stores`` store: the same keys and bytes as the index's
own ``IFileStorage.store`` would write.

Ids are handed out here, from the tables' maxima: nothing else may write to
the index during a fill. As an upload does, bytes are stored before their
rows commit; a fill that fails half-way leaves orphans that
``cheeseshop fsck --repair`` removes. Needs cheeseshop importable."""

from __future__ import annotations

import dataclasses
import hashlib
import time
import types

import packaging.utils
import packaging.version
from sqlalchemy import func, insert, select, text

from cheeseshop.catalog.journal import JOURNAL_LOCK
from cheeseshop.models.catalog import FILES, PROJECTS, RELEASES
from cheeseshop.models.journal import JournalEntry
from cheeseshop.models.search import PROJECT_CLASSIFIERS
from cheeseshop.search import postgresql as search_postgresql
from cheeseshop.search import sqlite_fts as search_sqlite
from cheeseshop.search.documents import DESCRIPTION_CHARS, name_words, release_order
from cheeseshop.storage import keys

from .console import log
from .corpus_shape import release_of

JOURNAL = JournalEntry.__table__
SEARCH_INSERT = {"sqlite": search_sqlite.INSERT, "postgresql": search_postgresql.UPSERT}
ID_TABLES = (PROJECTS, RELEASES, FILES, JOURNAL)


@dataclasses.dataclass
class FillReport:
    projects: int = 0
    releases: int = 0
    files: int = 0
    stored_bytes: int = 0
    seconds: float = 0.0

    @property
    def files_per_second(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "projects": self.projects,
            "releases": self.releases,
            "files": self.files,
            "stored_mib": self.stored_bytes / 2**20,
            "seconds": self.seconds,
            "files_per_second": self.files_per_second,
        }


class _Batch:
    """The rows of some projects, ready for one transaction."""

    def __init__(self):
        self.rows = {table.name: [] for table in ID_TABLES}
        self.documents, self.classifiers = [], []
        self.files = 0


class BulkFiller:
    def __init__(self, engine, store, batch_files: int = 20000):
        self.engine, self.store = engine, store
        self.batch_files = batch_files
        self.dialect = engine.dialect.name
        with engine.connect() as connection:
            self.next_id = {
                table.name: (connection.scalar(select(func.max(table.c.id))) or 0) + 1
                for table in ID_TABLES
            }

    def _id(self, table) -> int:
        value = self.next_id[table.name]
        self.next_id[table.name] = value + 1
        return value

    def fill(self, projects, progress=lambda report: None) -> FillReport:
        """Add ``projects`` (PlannedProject); none may exist already."""
        report = FillReport()
        started = time.perf_counter()
        batch = _Batch()
        try:
            for project in projects:
                self._add_project(batch, project, report)
                if batch.files >= self.batch_files:
                    self._commit(batch)
                    batch = _Batch()
                    report.seconds = time.perf_counter() - started
                    progress(report)
            if batch.files or batch.rows["projects"]:
                self._commit(batch)
        finally:
            self.store.close()
        report.seconds = time.perf_counter() - started
        progress(report)
        return report

    def _add_project(self, batch, project, report) -> None:
        normalized = packaging.utils.canonicalize_name(project.name)
        project_id = self._id(PROJECTS)
        journal = batch.rows["journal_entries"]

        def record(action, version=None):
            entry_id = self._id(JOURNAL)
            journal.append(
                {"id": entry_id, "name": project.name, "version": version, "action": action}
            )
            return entry_id

        record("create")
        releases = []
        for index in range(project.versions):
            described, distributions = release_of(project, index)
            version = described["version"]
            release_id = self._id(RELEASES)
            prerelease = packaging.version.Version(version).is_prerelease
            batch.rows["releases"].append(
                {
                    "id": release_id,
                    "project_id": project_id,
                    "version": version,
                    "canonical_version": packaging.utils.canonicalize_version(version),
                    "is_prerelease": prerelease,
                    "metadata_version": "2.1",
                    "summary": described["summary"],
                    "description": described["description"],
                    "description_content_type": "text/markdown",
                    "description_html": f"<h1>{project.name}</h1>\n<p>{described['summary']}.</p>",
                    "home_page": f"https://example.invalid/{normalized}",
                    "author": "Cheese Bench",
                    "author_email": "bench@example.invalid",
                    "license": "MIT",
                    "requires_python": ">=3.8",
                    "classifiers": described["classifiers"],
                    "requires_dist": ["packaging>=21"],
                }
            )
            releases.append(
                types.SimpleNamespace(
                    id=release_id,
                    version=version,
                    yanked=False,
                    is_prerelease=prerelease,
                    described=described,
                )
            )
            record("new release", version)
            for distribution in distributions:
                self._add_file(batch, release_id, distribution, report)
                record(f"add {distribution.python_version} file {distribution.filename}", version)
            report.releases += 1
        batch.rows["projects"].append(
            {
                "id": project_id,
                "name": project.name,
                "normalized_name": normalized,
                "last_serial": journal[-1]["id"],  # its newest entry
            }
        )
        latest = max(releases, key=release_order)
        batch.documents.append(
            {
                "project_id": project_id,
                "name_words": name_words(normalized),
                "summary": latest.described["summary"],
                "keywords": "",
                "description": latest.described["description"][:DESCRIPTION_CHARS],
                "version": latest.version,
            }
        )
        batch.classifiers += [
            {"project_id": project_id, "classifier": c}
            for c in sorted(set(latest.described["classifiers"]))
        ]
        report.projects += 1

    def _add_file(self, batch, release_id, distribution, report) -> None:
        content = distribution.content
        blake2 = hashlib.blake2b(content, digest_size=32).hexdigest()
        key = keys.file_key(blake2, distribution.filename)
        self.store.put(key, content)
        metadata_sha256 = None
        if distribution.core_metadata is not None:
            metadata_sha256 = hashlib.sha256(distribution.core_metadata).hexdigest()
            self.store.put(keys.metadata_key(key), distribution.core_metadata)
        batch.rows["files"].append(
            {
                "id": self._id(FILES),
                "release_id": release_id,
                "filename": distribution.filename,
                "path": key,
                "packagetype": distribution.packagetype,
                "python_version": distribution.python_version,
                "requires_python": ">=3.8",
                "size": len(content),
                "md5_digest": hashlib.md5(content).hexdigest(),
                "sha256_digest": hashlib.sha256(content).hexdigest(),
                "blake2_256_digest": blake2,
                "metadata_sha256": metadata_sha256,
            }
        )
        batch.files += 1
        report.files += 1
        report.stored_bytes += len(content)

    def _commit(self, batch):
        # Bytes first, rows after, as an upload: no row names missing bytes.
        self.store.flush()
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                # Serials become visible in order (see catalog.journal).
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": JOURNAL_LOCK}
                )
            for table in ID_TABLES:
                rows = batch.rows[table.name]
                if rows:
                    connection.execute(insert(table), rows)
            if batch.documents:
                connection.execute(SEARCH_INSERT[self.dialect], batch.documents)
            if batch.classifiers:
                connection.execute(insert(PROJECT_CLASSIFIERS), batch.classifiers)
            if self.dialect == "postgresql":
                # The ids were ours: move the sequences past them for uploads.
                for table in ID_TABLES:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                            f" (SELECT max(id) FROM {table.name}))"
                        )
                    )


def progress_logger(total_files: int, every_seconds: float = 5.0):
    """A progress callback logging files done and the rate, at most every
    ``every_seconds`` (and at the end)."""
    last = [0.0]

    def progress(report: FillReport):
        now = time.monotonic()
        if now - last[0] < every_seconds and report.files < total_files:
            return
        last[0] = now
        log(
            f"fill: {report.files:,} of ~{total_files:,} files, {report.projects:,} projects,"
            f" {report.files_per_second:,.0f} files/s"
        )

    return progress

"""Importing distributions, one file at a time, through the steps an upload
takes (:mod:`cheeseshop.publishing`): the filename's rules, the bytes hashed
in bounded memory, the metadata read from the file itself and held to the
form's rules, bytes stored and rows journaled in a transaction of the file's
own.

Resumable: a file the index already holds (same filename, same sha256) is
left alone, and one it holds with other bytes is a conflict, never
overwritten. A file that fails leaves nothing behind (its bytes follow its
transaction, as an upload's do), so running the import again finishes the
job. :mod:`cheeseshop.maintenance.index_import` feeds it from another index.
"""

import contextlib
import dataclasses
import enum
import os

import packaging.utils
import transaction
from sqlalchemy import select

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Actor, Event
from cheeseshop.accounts.users import find_user
from cheeseshop.catalog import releases
from cheeseshop.catalog.projects import find_project
from cheeseshop.db.sessions import get_tm_session
from cheeseshop.models.accounts import User
from cheeseshop.models.catalog import File
from cheeseshop.publishing import inspection, receiving, recording
from cheeseshop.publishing.errors import FileTooLarge, InvalidDistribution, UploadRejected
from cheeseshop.publishing.filenames import SDIST_EXTENSIONS, parse_filename


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    ALREADY_THERE = "already there"
    CONFLICT = "conflict"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclasses.dataclass(frozen=True)
class Result:
    outcome: Outcome
    source: str  # what the file is called where it comes from: a path, a filename
    reason: str = ""

    def __str__(self):
        return f"{self.outcome}: {self.source}" + (f" ({self.reason})" if self.reason else "")


@dataclasses.dataclass
class ImportReport:
    counts: dict = dataclasses.field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    # Every result but the imported and already-there ones: what needs a look.
    problems: list[Result] = dataclasses.field(default_factory=list)
    projects_created: list[str] = dataclasses.field(default_factory=list)

    def add(self, result: Result):
        self.counts[result.outcome] += 1
        if result.outcome not in (Outcome.IMPORTED, Outcome.ALREADY_THERE):
            self.problems.append(result)

    @property
    def complete(self):
        """Whether everything that is a distribution is now in the index."""
        return not (self.counts[Outcome.CONFLICT] or self.counts[Outcome.FAILED])

    def summary(self):
        c = self.counts
        return (
            f"imported {c[Outcome.IMPORTED]}, already there {c[Outcome.ALREADY_THERE]}, "
            f"conflicts {c[Outcome.CONFLICT]}, failed {c[Outcome.FAILED]}, "
            f"skipped {c[Outcome.SKIPPED]}"
        )


class NoSuchOwner(LookupError):
    """The ``--owner`` named no user."""


def skip_reason(filename: str) -> str | None:
    """Why a file is no distribution to import (None: it is one, by the
    name packaging reads; whether the index accepts it is the upload's rules'
    call, see :meth:`Importer.import_received`)."""
    try:
        if filename.endswith(".whl"):
            packaging.utils.parse_wheel_filename(filename)
        elif filename.endswith(SDIST_EXTENSIONS):
            packaging.utils.parse_sdist_filename(filename)
        else:
            return "not a wheel or an sdist (.whl, .tar.gz, .zip)"
    except (packaging.utils.InvalidWheelFilename, packaging.utils.InvalidSdistFilename) as exc:
        return f"not a distribution's filename: {exc}"
    return None


class Importer:
    """Adds files to the index, each in a transaction of its own.

    ``owner``: the username that gets the Owner role on the projects the
    import creates (None: they have no owner). ``source``: where the files
    come from, for the audit log (one "import" event per imported file)."""

    def __init__(self, session_factory, storage, limits, *, owner=None, source=""):
        self.session_factory = session_factory
        self.storage = storage
        self.limits = limits
        self.source = source
        self.actor = Actor.command_line()
        self.owner_id = None
        if owner is not None:
            with session_factory() as dbsession:
                user = find_user(dbsession, owner)
                if user is None:
                    raise NoSuchOwner(f"no user {owner!r} (add one with 'cheeseshop user add')")
                self.owner_id = user.id

    def import_path(self, path, shown, report: ImportReport):
        """Import the file at ``path`` (``shown`` in the report as that)."""
        filename = os.path.basename(path)
        reason = skip_reason(filename)
        if reason is not None:
            report.add(Result(Outcome.SKIPPED, shown, reason))
            return
        with open(path, "rb") as stream:
            try:
                # A file on disk is hashed where it lies, never copied.
                received = receiving.receive(stream, self.limits.max_file_size)
            except FileTooLarge as exc:
                report.add(Result(Outcome.FAILED, shown, str(exc)))
                return
            self.import_received(received, filename, shown, report)

    def known_sha256(self, filename) -> str | None:
        """The sha256 of the index's file called ``filename``, if it has one."""
        with self.session_factory() as dbsession:
            return dbsession.scalar(select(File.sha256_digest).where(File.filename == filename))

    def import_received(self, received, filename, shown, report: ImportReport, yanked=None):
        """Import a received file (the caller closes it). ``yanked``: the
        release is yanked with that reason (None: not yanked)."""
        try:
            parsed = parse_filename(filename)
        except InvalidDistribution as exc:
            report.add(Result(Outcome.FAILED, shown, str(exc)))
            return
        known = self.known_sha256(filename)
        if known is not None:
            report.add(self.already_there(filename, known, received.sha256, shown, yanked))
            return
        try:
            upload, checked = inspection.check_own_file(received, parsed, self.limits)
            with self._transaction() as (dbsession, manager):
                project = find_project(dbsession, upload.normalized_name)
                owner = dbsession.get(User, self.owner_id) if self.owner_id else None
                recorded = recording.add_file(
                    dbsession,
                    self.storage,
                    owner,
                    project,
                    upload,
                    checked,
                    session_factory=self.session_factory,
                    transaction_manager=manager,
                )
                file = recorded.file
                if recorded.created:
                    audit.record(
                        dbsession,
                        Event.IMPORT,
                        self.actor,
                        user=owner.username if owner is not None else None,
                        project=file.release.project.name,
                        detail=f"{filename} from {self.source}",
                    )
                if yanked is not None:
                    self._keep_yanked(dbsession, file.release, yanked)
                created_project = project is None and recorded.created
                project_name = file.release.project.name
        except UploadRejected as exc:
            report.add(Result(Outcome.FAILED, shown, str(exc)))
            return
        if not recorded.created:  # an identical file committed meanwhile
            report.add(Result(Outcome.ALREADY_THERE, shown))
            return
        if created_project:
            report.projects_created.append(project_name)
        report.add(Result(Outcome.IMPORTED, shown))

    def already_there(self, filename, known, sha256, shown, yanked=None) -> Result:
        """The result for a file whose name the index has (with sha256
        ``known``): the same bytes, or a conflict. The source's yank is kept."""
        if known != sha256:
            return Result(
                Outcome.CONFLICT,
                shown,
                f"the index has {filename} with other bytes (sha256 {known}, "
                f"not {sha256}): not overwritten",
            )
        if yanked is not None:
            with self._transaction() as (dbsession, _):
                file = dbsession.scalar(select(File).where(File.filename == filename))
                self._keep_yanked(dbsession, file.release, yanked)
        return Result(Outcome.ALREADY_THERE, shown)

    def _keep_yanked(self, dbsession, release, reason):
        # A file yanked at the source yanks its release, as the index yanks
        # whole releases (as pypi.org does). Never un-yanked: a yank made
        # here is this index's call.
        if not release.yanked:
            releases.yank(
                dbsession, release.project.name, release.version, reason, actor=self.actor
            )

    @contextlib.contextmanager
    def _transaction(self):
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            yield get_tm_session(self.session_factory, manager), manager


def list_folder(folder) -> list[tuple[str, int]]:
    """(path, size) of every file under ``folder``, at any depth (pypiserver
    keeps them flat or in a folder per project), in a stable order."""
    found = []
    for directory, subdirectories, names in os.walk(folder):
        subdirectories.sort()
        for name in sorted(names):
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                found.append((path, os.path.getsize(path)))
    return found


def import_folder(importer, folder, files, progress=lambda size: None) -> ImportReport:
    """Import ``files`` (from :func:`list_folder`); ``progress(n)`` after
    each with its size in bytes."""
    report = ImportReport()
    for path, size in files:
        importer.import_path(path, os.path.relpath(path, folder), report)
        progress(size)
    return report

"""Removing a release, or one file of it, for good (pypi.org's "delete").

Yanking (:mod:`cheeseshop.catalog.releases`) is usually the better choice:
a yanked release stays installable for those who pinned it, a removed one
breaks them. A removed file's name goes into ``removed_filenames`` and can
never be uploaded again: installers, caches and lock files may hold the old
bytes under that name, and must never be given different ones.

The rows go in the caller's transaction; the bytes only once it has
committed (see :func:`cheeseshop.storage.transaction.delete_after_commit`),
so a removal that fails leaves every file downloadable.
"""

import dataclasses

from sqlalchemy import select

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from cheeseshop.catalog import journal
from cheeseshop.catalog.projects import CatalogError
from cheeseshop.catalog.releases import find_release
from cheeseshop.models.catalog import File, Release, RemovedFilename
from cheeseshop.models.upstream import UpstreamObject
from cheeseshop.search.dialects import reindex
from cheeseshop.storage.keys import metadata_key
from cheeseshop.storage.transaction import delete_after_commit


@dataclasses.dataclass(frozen=True)
class Removal:
    """What a removal takes away (or, planned, would)."""

    project: str
    version: str
    filenames: tuple[str, ...]
    # The one file asked for, or None for the whole release.
    filename: str | None
    # True when the release goes too: asked for, or its last file goes.
    release_removed: bool

    def summary(self) -> str:
        what = f"{self.project} {self.version}"
        if self.filename is None:
            if not self.filenames:
                return f"removed {what}, which had no files"
            return f"removed {what} and its {_count(self.filenames)}"
        if self.release_removed:
            return f"removed {what} too: it had no other file"
        return f"removed 1 file of {what}; the release keeps its other files"


def plan(dbsession, project_name, version, filename=None) -> Removal:
    """What :func:`remove` would take away, changing nothing: for someone to
    confirm before it happens."""
    return _removal(*_find(dbsession, project_name, version, filename), filename)


def remove(
    dbsession,
    storage,
    project_name,
    version,
    filename=None,
    *,
    actor,
    transaction_manager,
    user=None,
    expected: Removal | None = None,
) -> Removal:
    """Remove release ``version`` of ``project_name`` with all its files or,
    with ``filename``, that one file of it (and the release, if it was its
    last), in ``dbsession``'s transaction run by ``transaction_manager``.

    ``actor`` (an :class:`~cheeseshop.accounts.audit.Actor`) is recorded in
    the audit log, ``user`` (an index user, None at the command line) in the
    journal. ``expected``: the :func:`plan` someone confirmed; when the
    release has changed since (a file uploaded meanwhile), nothing is
    removed, since they did not agree to that."""
    release, chosen, files = _find(dbsession, project_name, version, filename)
    removal = _removal(release, chosen, files, filename)
    if expected is not None and removal != expected:
        raise CatalogError(
            f"{removal.project} {removal.version} changed after the removal was planned; "
            "nothing removed"
        )
    project = release.project
    stored = _not_cached([key for file in chosen for key in _stored_keys(file)], dbsession)
    for file in chosen:
        dbsession.add(RemovedFilename(filename=file.filename))
        dbsession.delete(file)
    # The files first: their rows point at the release.
    dbsession.flush()
    if removal.release_removed:
        dbsession.delete(release)
        dbsession.flush()
        reindex(dbsession, project)  # it may have been the latest, or the last
    delete_after_commit(storage, stored, dbsession, transaction_manager)
    audit.record(dbsession, Event.REMOVE, actor, project=project.name, detail=_detail(removal))
    if filename is not None:
        journal.record(
            dbsession, project, f"remove file {filename}", version=removal.version, user=user
        )
    if removal.release_removed:
        journal.record(dbsession, project, "remove release", version=removal.version, user=user)
    return removal


def _find(dbsession, project_name, version, filename):
    """(the release, the files to remove, all of its files), or a CatalogError."""
    release = find_release(dbsession, project_name, version)
    files = dbsession.scalars(
        select(File).where(File.release_id == release.id).order_by(File.filename)
    ).all()
    if filename is None:
        return release, files, files
    chosen = [file for file in files if file.filename == filename]
    if not chosen:
        raise CatalogError(_not_a_file_of(dbsession, release, filename))
    return release, chosen, files


def _not_a_file_of(dbsession, release, filename):
    here = f"{release.project.name} {release.version}"
    elsewhere = dbsession.scalar(select(Release).join(File).where(File.filename == filename))
    if elsewhere is not None:
        return (
            f"{filename!r} is a file of {elsewhere.project.name} {elsewhere.version}, not of {here}"
        )
    if dbsession.get(RemovedFilename, filename) is not None:
        return f"{filename!r} was removed already"
    return f"{here} has no file {filename!r}"


def _removal(release, chosen, files, filename):
    return Removal(
        project=release.project.name,
        version=release.version,
        filenames=tuple(file.filename for file in chosen),
        filename=filename,
        release_removed=len(chosen) == len(files),
    )


def _stored_keys(file):
    """The keys of a file's bytes: the file, and its PEP 658 metadata if any."""
    if file.metadata_sha256:
        return [file.path, metadata_key(file.path)]
    return [file.path]


def _not_cached(keys, dbsession):
    """``keys`` but those a pull-through cache's object is stored under too:
    content-addressed, the same bytes of the same filename get the same key
    whether uploaded here or fetched when the name was the upstream's."""
    if not keys:
        return keys
    cached = set(
        dbsession.scalars(select(UpstreamObject.path).where(UpstreamObject.path.in_(keys)))
    )
    return [key for key in keys if key not in cached]


def _detail(removal):
    files = ", ".join(removal.filenames) or "no files"
    if removal.filename is None:
        return f"release {removal.version}: {files}"
    if removal.release_removed:
        return f"file {removal.filename} of {removal.version}, its last: the release with it"
    return f"file {removal.filename} of {removal.version}"


def _count(filenames):
    return "only file" if len(filenames) == 1 else f"{len(filenames)} files"

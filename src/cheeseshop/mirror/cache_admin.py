"""What an admin does with the pull-through cache: block names, list what
is kept, prune it, read its figures (``cheeseshop cache ...``).

Rows go in the caller's transaction; pruned bytes are deleted only once it
has committed, and never while a local file or another cached object still
names the same key."""

import dataclasses
import datetime

import packaging.utils
import zope.sqlalchemy
from sqlalchemy import delete, func, insert, or_, select

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from cheeseshop.mirror import counters
from cheeseshop.mirror.cache_files import State
from cheeseshop.models.catalog import FILES
from cheeseshop.models.timestamps import utcnow
from cheeseshop.models.upstream import (
    UPSTREAM_BLOCKS,
    UPSTREAM_COUNTERS,
    UPSTREAM_OBJECTS,
    UPSTREAM_PROJECTS,
)
from cheeseshop.resources import is_project_name
from cheeseshop.storage.transaction import delete_after_commit

P = UPSTREAM_PROJECTS.c
O = UPSTREAM_OBJECTS.c  # noqa: E741


class CacheError(Exception):
    """A request the cache cannot carry out (one line)."""


def _name(name):
    if not is_project_name(name):
        raise CacheError(f"{name!r} is not a project name")
    return packaging.utils.canonicalize_name(name)


@dataclasses.dataclass(frozen=True)
class Pruned:
    projects: int
    objects: int
    bytes: int

    def __str__(self):
        return f"{self.projects} project page(s), {self.objects} file(s), {self.bytes} bytes"


def block(dbsession, storage, transaction_manager, name, reason="", actor=None) -> Pruned:
    """Never look ``name`` up upstream again; what is kept of it goes."""
    normalized = _name(name)
    if dbsession.execute(
        select(UPSTREAM_BLOCKS.c.normalized_name).where(
            UPSTREAM_BLOCKS.c.normalized_name == normalized
        )
    ).first():
        raise CacheError(f"{normalized} is blocked already")
    dbsession.execute(
        insert(UPSTREAM_BLOCKS).values(normalized_name=normalized, reason=reason, created=utcnow())
    )
    pruned = _prune(dbsession, storage, transaction_manager, P.normalized_name == normalized)
    audit.record(dbsession, Event.CACHE_BLOCKED, actor, project=normalized, detail=reason or "")
    return pruned


def unblock(dbsession, transaction_manager, name, actor=None):
    normalized = _name(name)
    zope.sqlalchemy.mark_changed(dbsession, transaction_manager)
    gone = dbsession.execute(
        delete(UPSTREAM_BLOCKS).where(UPSTREAM_BLOCKS.c.normalized_name == normalized)
    ).rowcount
    if not gone:
        raise CacheError(f"{normalized} is not blocked")
    audit.record(dbsession, Event.CACHE_UNBLOCKED, actor, project=normalized)


def blocked(connection):
    """(name, created, reason) of every blocked name."""
    return connection.execute(
        select(
            UPSTREAM_BLOCKS.c.normalized_name, UPSTREAM_BLOCKS.c.created, UPSTREAM_BLOCKS.c.reason
        ).order_by(UPSTREAM_BLOCKS.c.normalized_name)
    ).all()


def projects(connection):
    """(name, checked, missing, files, bytes) of every kept project page."""
    stored = (
        select(
            O.project_id,
            func.count().label("files"),
            func.coalesce(func.sum(O.size), 0).label("bytes"),
        )
        .where(O.state == State.STORED)
        .group_by(O.project_id)
        .subquery()
    )
    return connection.execute(
        select(
            P.normalized_name,
            P.checked,
            P.missing,
            func.coalesce(stored.c.files, 0).label("files"),
            func.coalesce(stored.c.bytes, 0).label("bytes"),
        )
        .outerjoin(stored, stored.c.project_id == P.id)
        .order_by(P.normalized_name)
    ).all()


def prune(
    dbsession,
    storage,
    transaction_manager,
    older_than_days=None,
    project=None,
    actor=None,
    now=None,
) -> Pruned:
    """Remove what is kept: everything, one project's (``project``), or
    files not downloaded for ``older_than_days`` days and pages not read
    from the upstream for as long."""
    project_filter = P.id.isnot(None)
    if project is not None:
        normalized = _name(project)
        if dbsession.execute(select(P.id).where(P.normalized_name == normalized)).first() is None:
            raise CacheError(f"nothing of {normalized} is in the cache")
        project_filter = P.normalized_name == normalized
    if older_than_days is None:
        pruned = _prune(dbsession, storage, transaction_manager, project_filter)
    else:
        cutoff = (now or utcnow()) - datetime.timedelta(days=older_than_days)
        pruned = _prune(
            dbsession,
            storage,
            transaction_manager,
            project_filter,
            object_filter=or_(O.last_used < cutoff, O.last_used.is_(None) & (O.claimed < cutoff)),
            page_filter=P.checked < cutoff,
        )
    detail = str(pruned)
    if older_than_days is not None:
        detail += f", unused for {older_than_days} day(s)"
    audit.record(
        dbsession,
        Event.CACHE_PRUNED,
        actor,
        project=None if project is None else _name(project),
        detail=detail,
    )
    return pruned


def _prune(
    dbsession, storage, transaction_manager, project_filter, object_filter=None, page_filter=None
):
    # Core statements only: without this, the transaction would end in a
    # rollback while the bytes, deleted after "commit", would go anyway.
    zope.sqlalchemy.mark_changed(dbsession, transaction_manager)
    project_ids = select(P.id).where(project_filter)
    which = O.project_id.in_(project_ids)
    if object_filter is not None:
        which = which & object_filter
    objects = dbsession.execute(select(O.id, O.path, O.size).where(which)).all()
    if objects:
        dbsession.execute(delete(UPSTREAM_OBJECTS).where(O.id.in_([o.id for o in objects])))
    # A page goes with its files: kept with none (or asked for a page
    # alone, by age) it would only point at files fetched anew.
    pages = select(P.id).where(project_filter)
    if page_filter is not None:
        pages = pages.where(page_filter)
    page_ids = [
        row.id
        for row in dbsession.execute(pages)
        if not dbsession.execute(select(O.id).where(O.project_id == row.id).limit(1)).first()
    ]
    if page_ids:
        dbsession.execute(delete(UPSTREAM_PROJECTS).where(P.id.in_(page_ids)))
    paths = {o.path for o in objects if o.path}
    still_named = set()
    if paths:
        still_named |= set(dbsession.scalars(select(FILES.c.path).where(FILES.c.path.in_(paths))))
        still_named |= set(dbsession.scalars(select(O.path).where(O.path.in_(paths))))
    delete_after_commit(storage, sorted(paths - still_named), dbsession, transaction_manager)
    return Pruned(
        projects=len(page_ids),
        objects=len(objects),
        bytes=sum(o.size or 0 for o in objects if o.path),
    )


@dataclasses.dataclass(frozen=True)
class Stats:
    projects: int
    missing: int
    files: int
    metadata_files: int
    bytes: int
    counts: dict

    @staticmethod
    def _ratio(hits, misses):
        total = hits + misses
        return None if not total else hits / total

    @property
    def page_hit_ratio(self):
        c = self.counts
        return self._ratio(c.get(counters.PAGE_HITS, 0), c.get(counters.PAGE_FETCHES, 0))

    @property
    def file_hit_ratio(self):
        c = self.counts
        return self._ratio(c.get(counters.FILE_HITS, 0), c.get(counters.FILE_FETCHES, 0))


def stats(connection) -> Stats:
    projects_kept = connection.scalar(
        select(func.count()).select_from(UPSTREAM_PROJECTS).where(P.missing.is_(False))
    )
    missing = connection.scalar(
        select(func.count()).select_from(UPSTREAM_PROJECTS).where(P.missing.is_(True))
    )
    is_metadata = O.name.like("%.metadata")
    stored = O.state == State.STORED
    files = connection.scalar(
        select(func.count()).select_from(UPSTREAM_OBJECTS).where(stored, ~is_metadata)
    )
    metadata_files = connection.scalar(
        select(func.count()).select_from(UPSTREAM_OBJECTS).where(stored, is_metadata)
    )
    size = connection.scalar(
        select(func.coalesce(func.sum(O.size), 0)).select_from(UPSTREAM_OBJECTS).where(stored)
    )
    counts = dict(
        connection.execute(select(UPSTREAM_COUNTERS.c.name, UPSTREAM_COUNTERS.c.value)).all()
    )
    return Stats(projects_kept, missing, files, metadata_files, int(size), counts)

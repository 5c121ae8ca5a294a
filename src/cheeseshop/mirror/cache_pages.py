"""Project pages of the upstream, kept with its validators.

A page younger than ``cheeseshop.upstream.ttl`` is served as kept; an older
one is revalidated with a conditional GET; when the upstream is down or slow
(``cheeseshop.upstream.timeout``) the page kept is served stale. A page
changes its ``revision`` only when its content changes, so clients and
workers keep their copies across revalidations.
"""

import collections
import dataclasses
import datetime
import json
import logging
import threading
import time

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from cheeseshop.mirror import counters
from cheeseshop.mirror.simple_pages import UpstreamPage
from cheeseshop.mirror.upstream_client import UpstreamUnavailable
from cheeseshop.models.catalog import PROJECTS
from cheeseshop.models.timestamps import utcnow
from cheeseshop.models.upstream import UPSTREAM_BLOCKS, UPSTREAM_PROJECTS

log = logging.getLogger(__name__)

P = UPSTREAM_PROJECTS.c


@dataclasses.dataclass(frozen=True)
class CachedProject:
    id: int
    normalized_name: str
    revision: int
    # The page's JSON text when this request wrote it (the read connection
    # may not see that write yet); None: read it by id.
    page_text: str | None = None
    stale: bool = False
    # Seconds the page stays fresh (within the ttl); None when served stale.
    fresh_for: float | None = None

    def page(self, connection) -> UpstreamPage:
        text = self.page_text
        if text is None:
            text = connection.scalar(select(P.page).where(P.id == self.id))
        return UpstreamPage.from_json(json.loads(text))


class Absent:
    """Names the upstream said it does not have, remembered for a while in
    memory (never in the database: a flood of made-up names writes nothing)."""

    def __init__(self, seconds, size=10_000, clock=time.monotonic):
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._until = collections.OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, name):
        with self._lock:
            until = self._until.get(name)
            return until is not None and until > self.clock()

    def add(self, name):
        with self._lock:
            self._until.pop(name, None)
            self._until[name] = self.clock() + self.seconds
            while len(self._until) > self.size:
                self._until.popitem(last=False)


def is_local(connection, normalized_name) -> bool:
    return (
        connection.scalar(
            select(PROJECTS.c.id).where(PROJECTS.c.normalized_name == normalized_name)
        )
        is not None
    )


def is_blocked(connection, normalized_name) -> bool:
    return (
        connection.scalar(
            select(UPSTREAM_BLOCKS.c.normalized_name).where(
                UPSTREAM_BLOCKS.c.normalized_name == normalized_name
            )
        )
        is not None
    )


def page_text(page: UpstreamPage) -> str:
    return json.dumps(page.as_json(), sort_keys=True, separators=(",", ":"))


class ProjectPages:
    def __init__(self, client, engine, counts, ttl, now=utcnow):
        self.client = client
        self.engine = engine
        self.counts = counts
        self.ttl = datetime.timedelta(seconds=ttl)
        self.absent = Absent(ttl)
        self.now = now

    def project(self, connection, name) -> CachedProject | None:
        """The upstream's project ``name`` (normal form), fresh enough; None
        when the upstream does not have it. Raises UpstreamUnavailable when
        the upstream cannot answer and no page of it is kept."""
        row = connection.execute(
            select(P.id, P.revision, P.checked, P.missing, P.etag, P.last_modified).where(
                P.normalized_name == name
            )
        ).first()
        now = self.now()
        if row is not None and row.checked > now - self.ttl:
            if row.missing:
                return None
            self.counts.add(counters.PAGE_HITS)
            fresh_for = (row.checked + self.ttl - now).total_seconds()
            return CachedProject(row.id, name, row.revision, fresh_for=fresh_for)
        if row is None and (name in self.absent or is_blocked(connection, name)):
            # Blocking a name removes its page: a page kept is never of a
            # blocked name, so only a name without one needs the check.
            return None
        kept = row is not None and not row.missing
        try:
            answer = self.client.project_page(
                name,
                etag=row.etag if kept else None,
                last_modified=row.last_modified if kept else None,
            )
        except UpstreamUnavailable as exc:
            if not kept:
                raise
            log.warning("serving %s stale: %s", name, exc)
            self.counts.add(counters.PAGE_STALE)
            return CachedProject(row.id, name, row.revision, stale=True)
        self.counts.add(counters.PAGE_FETCHES)
        now = self.now()
        if answer.missing:
            if row is None:
                self.absent.add(name)
            else:
                with self.engine.begin() as writing:
                    writing.execute(
                        update(UPSTREAM_PROJECTS)
                        .where(P.id == row.id)
                        .values(missing=True, checked=now)
                    )
            return None
        if answer.not_modified and kept:
            with self.engine.begin() as writing:
                writing.execute(
                    update(UPSTREAM_PROJECTS)
                    .where(P.id == row.id)
                    .values(checked=now, etag=answer.etag, last_modified=answer.last_modified)
                )
            return CachedProject(row.id, name, row.revision, fresh_for=self.ttl.total_seconds())
        if answer.page is None:  # a 304 to a request that had no validators
            raise UpstreamUnavailable(f"the upstream answered 304 for {name} unasked")
        text = page_text(answer.page)
        validators = {
            "etag": _cut(answer.etag, P.etag),
            "last_modified": _cut(answer.last_modified, P.last_modified),
        }
        with self.engine.begin() as writing:
            stored = _store(writing, name, text, validators, now)
        return CachedProject(
            stored.id, name, stored.revision, page_text=text, fresh_for=self.ttl.total_seconds()
        )


def _cut(value, column):
    # A validator too long to keep is as if the upstream sent none.
    if value is None or len(value) > column.type.length:
        return None
    return value


def _store(connection, name, text, validators, now):
    """Insert or update the page; its revision counts content changes."""
    row = connection.execute(
        select(P.id, P.revision, P.page).where(P.normalized_name == name)
    ).first()
    if row is None:
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(UPSTREAM_PROJECTS).values(
                        normalized_name=name,
                        page=text,
                        revision=1,
                        checked=now,
                        missing=False,
                        **validators,
                    )
                )
        except IntegrityError:  # another worker stored it first
            pass
        else:
            return connection.execute(
                select(P.id, P.revision).where(P.normalized_name == name)
            ).one()
        row = connection.execute(
            select(P.id, P.revision, P.page).where(P.normalized_name == name)
        ).one()
    values = {"checked": now, "missing": False, **validators}
    if row.page != text:
        values.update(page=text, revision=P.revision + 1)
    connection.execute(update(UPSTREAM_PROJECTS).where(P.id == row.id).values(**values))
    return connection.execute(select(P.id, P.revision).where(P.id == row.id)).one()

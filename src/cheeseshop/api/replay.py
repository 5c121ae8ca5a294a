"""Public reads answered again, byte for byte, while nothing they show changed.

A cached project page still went the whole way through Pyramid: the
request object, traversal, two permission checks, view lookup, negotiation,
the caching and security headers, a pooled read transaction begun and
rolled back. That was four fifths of its cost; the page itself came from
the page cache. The only thing a repeated read must learn afresh is whether
what the page shows has changed, and the database tells that in one
indexed query (a project's last serial, the index's, a file's row).

So a view that answers from the database alone marks its response
(:func:`replayable`) with a :class:`Validity`: what to ask the database,
and the answer the response was made from. This layer, outside Pyramid,
keeps the status, the headers and the body the client got, keyed by every
part of the request the response may depend on (:data:`KEYED`), in the page
cache's budget. The same request again is answered from there once the
validity's query still gives the same answer; anything else goes to
Pyramid. On SQLite the query is asked again only when the database has
committed since it last held (:mod:`cheeseshop.db.change_mark`). Nothing is
process-local but the copy: any worker may answer after another took an
upload, and a replay is never staler than the query.

Only anonymous reads of a public index are kept or replayed: a request
with credentials (``Authorization``, a cookie) always goes through the
security policy, and a private index (``cheeseshop.read_access =
authenticated``) never installs this layer.
"""

import dataclasses
import hashlib
import os
import threading
import time

from sqlalchemy import bindparam, event, exists, func, select

from cheeseshop.db import change_mark
from cheeseshop.models.catalog import FILES, PROJECTS, RELEASES
from cheeseshop.models.journal import JournalEntry
from cheeseshop.models.upstream import UPSTREAM_OBJECTS, UPSTREAM_PROJECTS

ENVIRON_MARK = "cheeseshop.replay"

# What a replayable response may depend on in the request (with the
# validity's answer): a view that reads anything else must not mark its
# response. The caller's address and identity are not here on purpose.
KEYED = (
    "REQUEST_METHOD",
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
    "HTTP_IF_RANGE",
)
# A request whose key would be longer is answered, never kept: a client
# sending huge headers cannot make each entry cost more than this.
MAX_KEY_LENGTH = 4096
KEPT_STATUSES = ("200 OK", "304 Not Modified")
# Responses whose status line carries anything else, or that set a
# cookie, are not kept.
NOT_KEPT_HEADERS = frozenset({"set-cookie"})


@dataclasses.dataclass(slots=True)
class Validity:
    """What a response was made from: the statement of ``kind`` (with bind
    parameters ``params``) gave ``answer`` (its first row as a tuple, or
    None for no row). ``until``: a time (``time.time()``) after which the
    response is not sent again whatever the query says (a pull-through
    page due for revalidation). ``on_replay``: called on each replay, for
    what the view would have noted (the cache's counters).
    ``body_sha256``: what a streamed body (a download) must hash to for a
    copy of it to be kept; without it, none is."""

    kind: str
    params: dict
    answer: tuple | None
    until: float | None = None
    on_replay: object = None
    body_sha256: str | None = None


STATEMENTS = {
    # A project's pages (simple, JSON API) change with its last serial;
    # the id tells a project removed and made anew from the old one.
    "project": select(PROJECTS.c.id, PROJECTS.c.last_serial).where(
        PROJECTS.c.normalized_name == bindparam("name")
    ),
    # Index-wide pages change with the index's last serial.
    "index": select(func.max(JournalEntry.id)),
    # A pull-through page is what it was while its revision is, the
    # upstream has the project, and no local project shadows it.
    "upstream-page": select(UPSTREAM_PROJECTS.c.id, UPSTREAM_PROJECTS.c.revision).where(
        UPSTREAM_PROJECTS.c.normalized_name == bindparam("name"),
        UPSTREAM_PROJECTS.c.missing.is_(False),
        ~exists().where(PROJECTS.c.normalized_name == bindparam("name")),
    ),
    # A pull-through file is what it was while it is stored (not pruned).
    "upstream-file": select(UPSTREAM_OBJECTS.c.id).where(
        UPSTREAM_OBJECTS.c.file_sha256 == bindparam("sha256"),
        UPSTREAM_OBJECTS.c.name == bindparam("name"),
        UPSTREAM_OBJECTS.c.state == bindparam("state"),
    ),
    # A download is what it was while its row is there and its project
    # still offers files (PEP 792).
    "file": select(PROJECTS.c.status)
    .select_from(FILES)
    .join(RELEASES, FILES.c.release_id == RELEASES.c.id)
    .join(PROJECTS, RELEASES.c.project_id == PROJECTS.c.id)
    .where(FILES.c.path == bindparam("path")),
}


def project_validity(project):
    """The validity of a page made from the ``projects`` row ``project``."""
    return Validity("project", {"name": project.normalized_name}, (project.id, project.last_serial))


def index_validity(serial):
    return Validity("index", {}, (serial or None,))


def file_validity(path, project_status, sha256):
    """A download of the file at ``path`` whose bytes hash to ``sha256``."""
    return Validity("file", {"path": path}, (project_status,), body_sha256=sha256)


def upstream_page_validity(project, on_replay):
    """The validity of a pull-through page (a fresh ``CachedProject``)."""
    return Validity(
        "upstream-page",
        {"name": project.normalized_name},
        (project.id, project.revision),
        until=time.time() + project.fresh_for,
        on_replay=on_replay,
    )


def upstream_file_validity(object_id, file_sha256, name, state, on_replay, body_sha256):
    return Validity(
        "upstream-file",
        {"sha256": file_sha256, "name": name, "state": state},
        (object_id,),
        on_replay=on_replay,
        body_sha256=body_sha256,
    )


def replayable(request, validity):
    """Mark the response to ``request`` as depending only on the request's
    :data:`KEYED` parts and ``validity``: the same request may be answered
    with the same bytes while ``validity`` holds."""
    request.environ[ENVIRON_MARK] = validity


@dataclasses.dataclass(slots=True)
class KeptResponse:
    validity: Validity
    status: str
    headers: tuple
    body: bytes
    # The database's change mark (:mod:`cheeseshop.db.change_mark`) when
    # the validity's query last gave the same answer.
    confirmed_at: bytes | None = None

    def __len__(self):
        # What the page cache counts against its budget: the body, and a
        # rough figure for the headers and the key.
        return len(self.body) + 64 * len(self.headers) + MAX_KEY_LENGTH // 4


class ResponseReplay:
    """WSGI middleware in front of the Pyramid app (see the module)."""

    def __init__(self, app, engine, cache, changes):
        self.app = app
        # What callers of make_app reach through the app (see AccessLog).
        self.registry = app.registry
        self.engine = engine
        self.cache = cache
        self.changes = changes
        # Bodies streamed to the client are copied as they pass while
        # they are small enough: a download of a small wheel is kept too.
        self.max_streamed_body = cache.max_bytes // 64
        connections = _ThreadConnections(engine)
        self._queries = {kind: _DriverQuery(connections, st) for kind, st in STATEMENTS.items()}

    def __call__(self, environ, start_response):
        if (
            environ["REQUEST_METHOD"] not in ("GET", "HEAD")
            or "HTTP_AUTHORIZATION" in environ
            or "HTTP_COOKIE" in environ
        ):
            return self.app(environ, start_response)
        key = tuple(map(environ.get, KEYED))
        kept = self.cache.get(("replay",) + key)
        if kept is not None and self._holds(kept):
            if kept.validity.on_replay is not None:
                kept.validity.on_replay()
            start_response(kept.status, list(kept.headers))
            return [kept.body]
        return self._answer_and_keep(environ, start_response, key)

    def _holds(self, kept):
        validity = kept.validity
        if validity.until is not None and time.time() >= validity.until:
            return False
        # Read before the query: a change that lands after it moves the mark
        # and has the next replay ask again.
        mark = self.changes.mark()
        if mark is not None and mark == kept.confirmed_at:
            return True  # nothing committed since the query last held
        if self._queries[validity.kind].first(validity.params) != validity.answer:
            return False
        kept.confirmed_at = mark
        return True

    def _answer_and_keep(self, environ, start_response, key):
        sent = []

        def keeping_start_response(status, headers, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        app_iter = self.app(environ, keeping_start_response)
        validity = environ.get(ENVIRON_MARK)
        if validity is None or not sent or not self._keepable(key, *sent):
            return app_iter
        status, headers = sent
        if environ["REQUEST_METHOD"] == "HEAD":  # never a body
            self._keep(key, validity, status, headers, b"")
            return app_iter
        if isinstance(app_iter, list):  # a body set whole (webob)
            self._keep(key, validity, status, headers, b"".join(app_iter))
            return app_iter
        length = _content_length(headers)
        if length is None or length > self.max_streamed_body or validity.body_sha256 is None:
            return app_iter
        return self._copying(app_iter, key, validity, status, headers, length)

    def _keepable(self, key, status, headers):
        return (
            status in KEPT_STATUSES
            and sum(len(part) for part in key if part) <= MAX_KEY_LENGTH
            and not any(name.lower() in NOT_KEPT_HEADERS for name, _ in headers)
        )

    def _keep(self, key, validity, status, headers, body):
        self.cache.put(("replay",) + key, KeptResponse(validity, status, tuple(headers), body))

    def _copying(self, app_iter, key, validity, status, headers, length):
        def keep(body):
            self._keep(key, validity, status, headers, body)

        return _CopyingBody(app_iter, length, validity.body_sha256, keep)


class _CopyingBody:
    """A streamed body passed on as it is, and handed to ``keep`` at its end
    when the client got all of it and it hashes as the file should: bytes
    damaged in storage are sent as storage has them, as the view would,
    but never kept to be sent again once storage is mended."""

    def __init__(self, app_iter, length, sha256, keep):
        self.app_iter = app_iter
        self.length = length
        self.sha256 = sha256
        self.keep = keep

    def __iter__(self):
        chunks, size = [], 0
        for chunk in self.app_iter:
            chunks.append(chunk)
            size += len(chunk)
            yield chunk
        if size == self.length:
            body = b"".join(chunks)
            if hashlib.sha256(body).hexdigest() == self.sha256:
                self.keep(body)

    def close(self):
        close = getattr(self.app_iter, "close", None)
        if close is not None:
            close()


def _content_length(headers):
    for name, value in headers:
        if name.lower() == "content-length":
            return int(value) if value.isdigit() else None
    return None


class _DriverQuery:
    """A Core statement run straight on a driver connection: through
    SQLAlchemy's pool, connection and result objects it cost as much again
    as the rest of a replay."""

    def __init__(self, connections, statement):
        compiled = statement.compile(dialect=connections.engine.dialect)
        self.connections = connections
        self.sql = str(compiled)
        self.positional = compiled.positiontup if compiled.positional else None

    def first(self, params):
        args = tuple(params[name] for name in self.positional) if self.positional else params
        cursor = self.connections.cursor()
        try:
            cursor.execute(self.sql, args)
            row = cursor.fetchone()
        except Exception:
            # A connection the database dropped (a restart, a failover):
            # the next replay opens another; this request goes to Pyramid,
            # whose read path reports the error if it persists.
            self.connections.discard()
            return _FAILED
        return None if row is None else tuple(row)


_FAILED = object()  # equal to no answer


class _ThreadConnections:
    """One driver connection per server thread, for the validity queries
    alone, in autocommit (each query its own snapshot; no transaction left
    open between requests). Taken out of the engine's pool so that the read
    path's connections stay as many as before; a PostgreSQL server sees up
    to ``threads`` more connections per worker (8 with ``serve``'s
    defaults). Closed with the engine (``engine.dispose()``)."""

    def __init__(self, engine):
        self.engine = engine
        self._local = threading.local()
        self._opened = set()
        self._lock = threading.Lock()
        self._pid = os.getpid()
        event.listen(engine, "engine_disposed", self.close_all)

    def cursor(self):
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            connection = self.engine.raw_connection()
            driver_connection = connection.driver_connection
            connection.detach()
            if self.engine.dialect.name != "sqlite":
                # SQLite's read connections are in autocommit already.
                driver_connection.autocommit = True
            with self._lock:
                self._opened.add(driver_connection)
            self._local.connection = driver_connection
            cursor = self._local.cursor = driver_connection.cursor()
        return cursor

    def discard(self):
        connection = getattr(self._local, "connection", None)
        self._local.cursor = self._local.connection = None
        if connection is not None:
            self._close(connection)

    def close_all(self, engine=None):
        with self._lock:
            opened, self._opened = self._opened, set()
        self._local = threading.local()
        if os.getpid() != self._pid:
            # A forked worker disposing of what it inherited (``serve``):
            # closing would end the parent's sessions; forget them instead.
            self._pid = os.getpid()
            return
        for connection in opened:
            self._close(connection, forget=False)

    def _close(self, connection, forget=True):
        if forget:
            with self._lock:
                self._opened.discard(connection)
        try:
            connection.close()
        except Exception:  # already gone
            pass


def wrap(app, registry):
    """``app`` behind a :class:`ResponseReplay`, unless the index is private."""
    if registry.cheeseshop_settings.private:
        return app
    engine = registry["db_read_engine"]
    return ResponseReplay(app, engine, registry["page_cache"], change_mark.for_engine(engine))

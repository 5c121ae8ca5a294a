"""Failures as answers a client can act on, each in its class.

A client's mistake is a 4xx with a message; a full disk is 507 Insufficient
Storage with a message (and the transaction, hence everything the request
wrote, rolled back); a busy or unreachable backend is 503 with Retry-After.
What is left, a 500, is a bug.
"""

import errno
import logging
import sqlite3
from urllib.parse import unquote_to_bytes

from pyramid.view import exception_view_config
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from cheeseshop.api.responses import error
from cheeseshop.storage.errors import StorageError, StorageFull

log = logging.getLogger(__name__)

# A full disk, or the user's quota on it.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})
POSTGRESQL_DISK_FULL = "53100"

STORAGE_FULL = (
    "The index's file storage is full; nothing was stored. Try again once "
    "its operator has freed space."
)
DATABASE_FULL = (
    "The index's database is out of disk space; nothing was recorded. Try "
    "again once its operator has freed space."
)
DISK_FULL = (
    "The index's server is out of disk space; nothing was stored. Try again "
    "once its operator has freed space."
)


def _where(request):
    # Never request.path: it decodes the path, which may be what failed.
    return f"{request.method} {request.environ.get('PATH_INFO', '')!r}"


def _retry_later(request, exc, message, seconds):
    log.warning("%s failed, answering 503: %s", _where(request), exc)
    response = error(503, message)
    response.headers["Retry-After"] = str(seconds)
    return response


def _no_room(request, exc, message):
    log.error("%s failed, answering 507: %s", _where(request), exc)
    return error(507, message)


def _is_disk_full(dbapi_error):
    return (
        getattr(dbapi_error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        or getattr(dbapi_error, "sqlstate", None) == POSTGRESQL_DISK_FULL
    )


@exception_view_config(OperationalError)
def database_unavailable(exc, request):
    if _is_disk_full(exc.orig):
        return _no_room(request, exc.orig, DATABASE_FULL)
    # SQLite's lock held past its timeout, or PostgreSQL unreachable: the
    # transaction was rolled back, so trying again is safe.
    return _retry_later(
        request, exc.orig, "The index's database is busy or unreachable; try again shortly.", 5
    )


@exception_view_config(PoolTimeout)
def database_exhausted(exc, request):
    # Every pooled connection busy for pool_timeout seconds.
    return _retry_later(
        request, exc, "The index is busy: no database connection is free; try again shortly.", 5
    )


@exception_view_config(IntegrityError)
def conflicting_write(exc, request):
    # Not 409: twine's --skip-existing reads 409 as "this file exists" and
    # would silently skip a file that was never stored.
    return _retry_later(
        request, exc.orig, "Another request changed the same data at the same time; try again.", 1
    )


@exception_view_config(StorageError)
def storage_unavailable(exc, request):
    return _retry_later(request, exc, "The index's file storage failed; try again shortly.", 5)


@exception_view_config(StorageFull)
def storage_full(exc, request):
    return _no_room(request, exc, STORAGE_FULL)


@exception_view_config(OSError)
def disk_full(exc, request):
    """A full disk met outside the storage backend (a request body spooled
    to the temporary folder); any other OSError stays a 500."""
    if exc.errno not in NO_ROOM:
        raise exc
    return _no_room(request, exc, DISK_FULL)


def _undecodable(environ):
    """Whether the URL's path or query string, %-escapes decoded, is not
    UTF-8; or the virtual root Pyramid prefixes to the path (X-Vhm-Root)."""
    for name in ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "HTTP_X_VHM_ROOT"):
        raw = environ.get(name, "").encode("latin-1", "replace")
        if name == "QUERY_STRING":
            raw = unquote_to_bytes(raw.replace(b"+", b" "))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return True
    return False


@exception_view_config(UnicodeDecodeError)
def undecodable_url(exc, request):
    """A URL whose %-escapes are not UTF-8: Pyramid's URLDecodeError while
    traversing the path, webob's UnicodeDecodeError reading the query
    string. Any other UnicodeDecodeError is a bug, and stays a 500."""
    if not _undecodable(request.environ):
        raise exc
    return error(
        400,
        "The URL is not valid UTF-8 once its %-escapes are decoded; "
        "percent-encode the UTF-8 bytes of each character.",
    )

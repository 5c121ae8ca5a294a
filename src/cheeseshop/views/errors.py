"""Failures of the parts we depend on, as answers a client can act on."""

import logging

from pyramid.view import exception_view_config
from sqlalchemy.exc import IntegrityError, OperationalError

from ..storage import StorageError
from .responses import error

log = logging.getLogger(__name__)


@exception_view_config(OperationalError)
def database_unavailable(exc, request):
    # SQLite's lock held past its timeout, or PostgreSQL unreachable: the
    # transaction was rolled back, so trying again is safe.
    log.warning("database unavailable for %s %s: %s", request.method, request.path, exc.orig)
    response = error(503, "The index's database is busy or unreachable; try again shortly.")
    response.headers["Retry-After"] = "5"
    return response


@exception_view_config(IntegrityError)
def conflicting_write(exc, request):
    # Not 409: twine's --skip-existing reads 409 as "this file exists" and
    # would silently skip a file that was never stored.
    log.warning("conflicting write for %s %s: %s", request.method, request.path, exc.orig)
    response = error(503, "Another request changed the same data at the same time; try again.")
    response.headers["Retry-After"] = "1"
    return response


@exception_view_config(StorageError)
def storage_unavailable(exc, request):
    log.error("storage failed for %s %s: %s", request.method, request.path, exc)
    response = error(503, "The index's file storage failed; try again shortly.")
    response.headers["Retry-After"] = "5"
    return response

"""Failures of the parts we depend on, as answers a client can act on."""

import logging

from pyramid.view import exception_view_config
from sqlalchemy.exc import IntegrityError, OperationalError

from cheeseshop.api.responses import error
from cheeseshop.storage.errors import StorageError

log = logging.getLogger(__name__)


def _retry_later(request, exc, message, seconds):
    log.warning("%s %s failed, answering 503: %s", request.method, request.path, exc)
    response = error(503, message)
    response.headers["Retry-After"] = str(seconds)
    return response


@exception_view_config(OperationalError)
def database_unavailable(exc, request):
    # SQLite's lock held past its timeout, or PostgreSQL unreachable: the
    # transaction was rolled back, so trying again is safe.
    return _retry_later(
        request, exc.orig, "The index's database is busy or unreachable; try again shortly.", 5
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

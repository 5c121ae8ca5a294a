"""Response helpers shared by views: error statuses and serial-based caching."""

import zlib

from pyramid.httpexceptions import HTTPNotModified, exception_response


def error(status: int, message: str, **kw):
    """An HTTP error whose status line carries ``message``, as pypi.org's
    do: twine, uv and distutils print the reason phrase to the user."""
    exc = exception_response(status, detail=message, **kw)
    reason = " ".join(message.split())  # one line
    reason = reason.encode("latin-1", "replace").decode("latin-1")
    exc.status = f"{status} {reason}"
    exc.content_type = "text/plain"
    exc.text = message + "\n"
    return exc


def files_url(request) -> str:
    """Where file URLs point: a CDN in front of storage, or this app."""
    configured = request.registry.cheeseshop_settings.files_url
    if configured:
        return configured.rstrip("/") + "/"
    return request.application_url + "/packages/"


def check_serial(request, serial: int, variant: str):
    """Raise 304 when the client has this page; else return its ETag.

    The ETag names everything the page depends on: the serial, the format,
    and where file links point (a new ``cheeseshop.files_url`` changes it).
    """
    etag = f"{serial}-{variant}-{zlib.crc32(files_url(request).encode()):08x}"
    if etag in request.if_none_match:
        raise HTTPNotModified(headers=_serial_headers(serial, etag))
    return etag


def set_serial_headers(response, serial: int, etag: str):
    response.headers.update(_serial_headers(serial, etag))
    return response


def _serial_headers(serial, etag):
    return {
        "ETag": f'"{etag}"',
        "X-PyPI-Last-Serial": str(serial),
        # Clients and CDNs may keep the page briefly, then revalidate cheaply.
        "Cache-Control": "max-age=60, public",
        "Vary": "Accept, Accept-Encoding",
    }

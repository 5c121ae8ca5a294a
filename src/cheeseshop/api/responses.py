"""Response helpers shared by views: error statuses, serial-based caching
and the content encoding."""

import zlib

from pyramid.httpexceptions import HTTPNotModified, exception_response

from cheeseshop.cdn import keys as cdn_keys
from cheeseshop.rendering import compression

# A status line is read with line limits (http.client: 64 KiB; a proxy's
# header buffer: 4 KiB) and shown to people: a reason phrase stays well below
# both, long enough for any message of ours whole.
REASON_MAX = 512


def reason_phrase(message: str, limit: int = REASON_MAX) -> str:
    """``message`` as an HTTP reason phrase: one line of printable Latin-1
    (what RFC 9112 lets a status line carry), at most ``limit`` characters.
    Anything else (control characters, CR/LF, characters beyond Latin-1)
    becomes "?"; whitespace runs become one space."""
    text = " ".join(message.split())
    text = "".join(c if " " <= c <= "~" or "\xa0" <= c <= "\xff" else "?" for c in text)
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


def shown(value: str, limit: int = 40) -> str:
    """A value a client sent, for quoting in a message: escaped to ASCII,
    and only its first ``limit`` characters."""
    if len(value) <= limit:
        return ascii(value)
    return f"{ascii(value[:limit])}... ({len(value)} characters)"


def error(status: int, message: str, **kw):
    """An HTTP error whose status line carries ``message``, as pypi.org's
    do: twine, uv and distutils print the reason phrase to the user.

    The status line gets a safe :func:`reason_phrase` of the message; the
    body carries the whole message."""
    exc = exception_response(status, detail=message, **kw)
    exc.status = f"{status} {reason_phrase(message) or exc.title}"
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
    etag = f"{serial}-{variant}-{files_url_tag(request)}"
    if etag in request.if_none_match:
        raise HTTPNotModified(headers=_serial_headers(request, serial, etag))
    return etag


def set_serial_headers(request, response, serial: int, etag: str):
    response.headers.update(_serial_headers(request, serial, etag))
    return response


def cache_scope(request) -> str:
    """``public``: a CDN or proxy may keep what it fetched and serve it to
    anyone; on a private index only the client itself may (``private``), or
    a shared cache would hand one user's read to everybody."""
    return "private" if request.registry.cheeseshop_settings.private else "public"


def _serial_headers(request, serial, etag):
    return {**page_headers(request, etag), "X-PyPI-Last-Serial": str(serial)}


def page_headers(request, etag: str):
    """The caching headers of a page whose content ``etag`` names.

    Clients revalidate every time (a 304 costs one indexed query), so a
    publish is visible to the very next install. A CDN may keep a public
    page for ``cheeseshop.cdn.s_maxage`` seconds, told by purges (the
    page's keys, :mod:`cheeseshop.cdn.keys`) when it changes sooner."""
    scope = cache_scope(request)
    cache_control = f"max-age=0, must-revalidate, {scope}"
    s_maxage = request.registry.cheeseshop_settings.cdn_s_maxage
    if s_maxage and scope == "public":
        cache_control += f", s-maxage={s_maxage}"
    keys = " ".join(cdn_keys.keys_of_context(request.context))
    return {
        "ETag": f'"{etag}"',
        "Cache-Control": cache_control,
        "Vary": "Accept, Accept-Encoding",
        # Fastly and Varnish read the first, Cloudflare the second.
        "Surrogate-Key": keys,
        "Cache-Tag": keys.replace(" ", ","),
    }


def check_etag(request, etag: str):
    """Raise 304 when the client holds the page ``etag`` names."""
    if etag in request.if_none_match:
        raise HTTPNotModified(headers=page_headers(request, etag))


def files_url_tag(request) -> str:
    """A short tag of where file links point, for ETags."""
    return f"{zlib.crc32(files_url(request).encode()):08x}"


def chosen_encoding(request):
    """``br``, ``gzip`` or None (as it is): what the client asked for."""
    return compression.chosen_encoding(request.headers.get("Accept-Encoding"))


def send_encoded(response, encoding):
    if encoding is not None:
        response.content_encoding = encoding

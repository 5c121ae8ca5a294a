"""The simple repository API: PEP 503 HTML and PEP 691 JSON."""

import functools

from pyramid.httpexceptions import HTTPMovedPermanently
from pyramid.response import Response
from pyramid.view import view_config
from webob.acceptparse import create_accept_header

from cheeseshop.api.replay import index_validity, project_validity, replayable
from cheeseshop.api.resources import SimpleIndex, SimpleProject
from cheeseshop.api.responses import (
    check_serial,
    chosen_encoding,
    error,
    files_url,
    send_encoded,
    set_serial_headers,
    shown,
)
from cheeseshop.catalog import journal
from cheeseshop.rendering import compression, simple_index
from cheeseshop.resources import location
from cheeseshop.security.permissions import Permission


def negotiate(request):
    """The media type to answer with (PEP 691), from ``?format=`` or Accept."""
    wanted = request.params.get("format")
    if wanted:
        if wanted not in simple_index.MEDIA_TYPES:
            raise error(
                406,
                f"Unsupported format {shown(wanted)}; use one of {', '.join(simple_index.OFFERS)}.",
            )
        return simple_index.MEDIA_TYPES[wanted]
    accept = request.headers.get("Accept")
    if accept is None:
        return simple_index.HTML
    if len(accept) <= MAX_REMEMBERED_ACCEPT:
        media_type = _remembered_media_type(accept)
    else:
        media_type = _media_type(accept)
    if media_type is None:
        raise error(
            406,
            f"None of the media types in Accept is served; use one of {', '.join(simple_index.OFFERS)}.",
        )
    return media_type


def _media_type(accept):
    """The media type an Accept header value picks, or None."""
    offers = create_accept_header(accept).acceptable_offers(simple_index.OFFERS)
    return simple_index.MEDIA_TYPES[offers[0][0]] if offers else None


# Clients send a handful of Accept values, and parsing one cost as much as
# the rest of a cached page; short ones are remembered (bounded: a caller
# choosing the values can only push out others).
MAX_REMEMBERED_ACCEPT = 256
_remembered_media_type = functools.lru_cache(maxsize=128)(_media_type)


VARIANTS = {
    simple_index.HTML: "html",
    simple_index.V1_HTML: "v1-html",
    simple_index.V1_JSON: "v1-json",
}


def variant(media_type, encoding=None):
    return compression.variant(VARIANTS[media_type], encoding)


def require_trailing_slash(request):
    # PEP 503: every URL ends in "/"; relative links break without it.
    if not request.path_info.endswith("/"):
        raise HTTPMovedPermanently(location=location(request, request.path_info + "/"))


@view_config(
    context=SimpleIndex, name="", permission=Permission.VIEW, request_method=("GET", "HEAD")
)
def simple_root(request):
    require_trailing_slash(request)
    media_type = negotiate(request)
    encoding = chosen_encoding(request)
    serial = journal.last_serial(request.read_connection)
    replayable(request, index_validity(serial))
    etag = check_serial(request, serial, variant(media_type, encoding))
    response = Response(
        content_type=media_type, charset="utf-8" if media_type == simple_index.HTML else None
    )
    send_encoded(response, encoding)
    cache_key = ("root", serial, media_type)
    # Once streamed, the list is kept, and compressed from there for each
    # encoding asked for: a large index's list is several MiB, compressed a
    # fifth of that, each made once per serial.
    page = compression.cached_page(request.page_cache, cache_key, lambda: None, encoding)
    if page is not None:
        response.body = page
    else:
        response.app_iter = _stream_root(request, media_type, serial, cache_key, encoding)
    return set_serial_headers(request, response, serial, etag)


def _stream_root(request, media_type, serial, cache_key, encoding):
    # A connection of its own: the response streams after the request's
    # connection is closed, and the list of a large index is never built whole.
    engine = request.registry["db_read_engine"]
    cache = request.page_cache

    def generate():
        encoder = compression.Encoder(encoding) if encoding else None
        # The list as it is and as sent, kept for the cache if small enough.
        keep, size, plain, sent = True, 0, [], []
        with engine.connect() as connection:
            projects = simple_index.iter_projects(connection)
            if media_type == simple_index.V1_JSON:
                chunks = simple_index.iter_root_json(projects, serial)
            else:
                chunks = simple_index.iter_root_html(projects)
            for chunk in chunks:
                size += len(chunk)
                if keep and size > cache.max_bytes // 4:
                    keep = False
                    plain.clear()
                    sent.clear()
                if keep:
                    plain.append(chunk)
                if encoder is not None:
                    chunk = encoder.compress(chunk)
                    if keep:
                        sent.append(chunk)
                if chunk:
                    yield chunk
        if encoder is not None:
            tail = encoder.finish()
            sent.append(tail)
            yield tail
        # Reached only when the list was sent whole (a client leaving
        # closes the generator at a yield): a part is never kept.
        if keep:
            cache.put(cache_key, b"".join(plain))
            if encoder is not None:
                cache.put(cache_key + (encoding,), b"".join(sent))

    return generate()


@view_config(
    context=SimpleProject, name="", permission=Permission.VIEW, request_method=("GET", "HEAD")
)
def simple_project(request):
    require_trailing_slash(request)
    project = request.context.project
    replayable(request, project_validity(project))
    media_type = negotiate(request)
    encoding = chosen_encoding(request)
    etag = check_serial(request, project.last_serial, variant(media_type, encoding))
    base = files_url(request)

    def render():
        versions, files = simple_index.project_versions_and_files(request.read_connection, project)
        if media_type == simple_index.V1_JSON:
            return simple_index.render_project_json(project, versions, files, base)
        return simple_index.render_project_html(project, versions, files, base)

    page = compression.cached_page(
        request.page_cache,
        ("simple", project.id, project.last_serial, media_type, base),
        render,
        encoding,
    )
    response = Response(
        body=page,
        content_type=media_type,
        charset="utf-8" if media_type == simple_index.HTML else None,
    )
    send_encoded(response, encoding)
    return set_serial_headers(request, response, project.last_serial, etag)

"""The pull-through cache's surface: simple pages of upstream projects and
their files under ``/cache/`` (:mod:`cheeseshop.mirror`)."""

import functools
import zlib

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from cheeseshop.api.files import describe_download, stored_response
from cheeseshop.api.replay import replayable, upstream_file_validity, upstream_page_validity
from cheeseshop.api.resources import CachedObject, UpstreamSimpleProject
from cheeseshop.api.responses import check_etag, error, page_headers
from cheeseshop.api.simple import negotiate, require_trailing_slash, variant
from cheeseshop.mirror import cache_files, counters
from cheeseshop.mirror.upstream_client import UpstreamUnavailable
from cheeseshop.rendering import simple_index, upstream_page
from cheeseshop.security.permissions import Permission


def cached_files_url(request):
    # Always this application: a file is fetched on its first download,
    # so storage (or a CDN in front of it) may not hold it yet.
    return request.application_url + "/cache/"


@view_config(
    context=UpstreamSimpleProject,
    name="",
    permission=Permission.VIEW,
    request_method=("GET", "HEAD"),
)
def upstream_project(request):
    require_trailing_slash(request)
    media_type = negotiate(request)
    name = request.context.__name__
    connection = request.read_connection
    try:
        project = request.upstream.project(connection, name)
    except UpstreamUnavailable as exc:
        raise error(502, f"The upstream index did not answer for {name}: {exc}") from None
    if project is None:
        raise HTTPNotFound(f"No project {name} here or on the upstream index.")
    if project.fresh_for is not None:
        counts = request.upstream.counts
        replayable(
            request,
            upstream_page_validity(project, on_replay=lambda: counts.add(counters.PAGE_HITS)),
        )
    base = cached_files_url(request)
    etag = f"u{project.revision}-{variant(media_type)}-{zlib.crc32(base.encode()):08x}"
    check_etag(request, etag)

    def render():
        page = project.page(connection)
        return upstream_page.render(
            name, page, page.last_serial or project.revision, media_type, base
        )

    body = request.page_cache.get_or_render(
        ("upstream", name, project.revision, media_type, base), render
    )
    response = Response(
        body=body,
        content_type=media_type,
        charset="utf-8" if media_type == simple_index.HTML else None,
    )
    response.headers.update(page_headers(request, etag))
    return response


@view_config(
    context=CachedObject, name="", permission=Permission.VIEW, request_method=("GET", "HEAD")
)
def cached_download(request):
    context = request.context
    cache = request.upstream
    connection = request.read_connection
    name, file_sha256 = context.__name__, context.file_sha256
    metadata = name.endswith(".metadata")
    stored = cache.stored(connection, file_sha256, name)
    if stored is not None:
        replayable(
            request,
            upstream_file_validity(
                stored.id,
                file_sha256,
                name,
                cache_files.State.STORED.value,
                on_replay=functools.partial(cache.note_hit, stored),
                # A .metadata object's own hash is not at hand: its bytes
                # are sent again from storage, not from a copy.
                body_sha256=None if name.endswith(".metadata") else file_sha256,
            ),
        )
    else:
        try:
            wanted = cache.wanted(connection, context.project_name, file_sha256, name)
        except UpstreamUnavailable as exc:
            raise error(502, f"The upstream index did not answer: {exc}") from None
        if wanted is None:
            raise HTTPNotFound(f"{name} is not on the upstream's page of {context.project_name}")
        if request.method == "HEAD":
            return _described(request, wanted, metadata)
        try:
            got = cache.claim(wanted) or cache.wait_for(wanted)
            if isinstance(got, cache_files.Claim):
                return _first_download(request, cache.fetch(request.storage, wanted, got), metadata)
        except cache_files.Refused as exc:
            raise error(502, f"Refused the upstream's file: {exc}") from None
        except UpstreamUnavailable as exc:
            raise error(502, f"The upstream index did not send {name}: {exc}") from None
        except cache_files.WaitedTooLong as exc:
            raise error(504, str(exc)) from None
        stored = got
    return stored_response(
        request, stored.path, stored.size, _etag(file_sha256, name), metadata, name
    )


def _etag(file_sha256, name):
    # The object's own sha256 is on the page; the URL's names it as well.
    return f"{file_sha256}{'-metadata' if name.endswith('.metadata') else ''}"


def _described(request, wanted, metadata):
    response = Response()
    describe_download(request, response, _etag(wanted.file_sha256, wanted.name), metadata)
    if wanted.size is not None:
        response.content_length = wanted.size
    return response


def _first_download(request, fetch, metadata):
    response = Response(app_iter=fetch)
    describe_download(
        request, response, _etag(fetch.wanted.file_sha256, fetch.wanted.name), metadata
    )
    if fetch.size is not None:
        response.content_length = fetch.size
    return response

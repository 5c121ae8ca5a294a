"""pypi.org's JSON API."""

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from cheeseshop.api.replay import project_validity, replayable
from cheeseshop.api.resources import JsonProject, JsonRelease
from cheeseshop.api.responses import (
    check_serial,
    chosen_encoding,
    files_url,
    send_encoded,
    set_serial_headers,
)
from cheeseshop.rendering import compression, project_json
from cheeseshop.security.permissions import Permission


def _respond(request, project, cache_key, render):
    if request.subpath:  # /pypi/<project>/json/<anything>: no such document
        raise HTTPNotFound()
    replayable(request, project_validity(project))
    encoding = chosen_encoding(request)
    etag = check_serial(request, project.last_serial, compression.variant("json-api", encoding))
    page = compression.cached_page(request.page_cache, cache_key, render, encoding)
    response = Response(body=page, content_type="application/json")
    send_encoded(response, encoding)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return set_serial_headers(request, response, project.last_serial, etag)


@view_config(
    context=JsonProject, name="json", permission=Permission.VIEW, request_method=("GET", "HEAD")
)
def project_json_view(request):
    project = request.context.project
    base, files = request.application_url + "/", files_url(request)
    return _respond(
        request,
        project,
        ("json", project.id, project.last_serial, files, base),
        lambda: project_json.project_document(request.read_connection, project, files, base),
    )


@view_config(
    context=JsonRelease, name="json", permission=Permission.VIEW, request_method=("GET", "HEAD")
)
def release_json_view(request):
    project, release = request.context.project, request.context.release
    base, files = request.application_url + "/", files_url(request)
    return _respond(
        request,
        project,
        ("json", project.id, release.id, project.last_serial, files, base),
        lambda: project_json.release_document(
            request.read_connection, project, release, files, base
        ),
    )

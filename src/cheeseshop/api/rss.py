"""RSS feeds like pypi.org's: ``/rss/updates.xml`` (the newest releases),
``/rss/packages.xml`` (the newest projects) and
``/rss/project/<name>/releases.xml``.

A feed changes only with a serial: the index's last serial for the first
two, the project's for its own. So each is rendered once per serial (the
page cache) and revalidated by an ETag naming that serial.
"""

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from cheeseshop.api.resources import Feeds, ProjectFeed
from cheeseshop.api.responses import check_serial, set_serial_headers
from cheeseshop.rendering import feeds
from cheeseshop.rendering.xmlrpc_methods import changelog_last_serial
from cheeseshop.security.permissions import Permission

CONTENT_TYPE = "application/rss+xml"


def _respond(request, serial, variant, render):
    if request.subpath:
        raise HTTPNotFound()
    etag = check_serial(request, serial, variant)
    base = request.application_url + "/"
    page = request.page_cache.get_or_render((variant, serial, base), lambda: render(base))
    response = Response(body=page, content_type=CONTENT_TYPE, charset="utf-8")
    return set_serial_headers(request, response, serial, etag)


@view_config(
    context=Feeds, name="updates.xml", permission=Permission.VIEW, request_method=("GET", "HEAD")
)
def updates_feed(request):
    connection = request.read_connection
    return _respond(
        request,
        changelog_last_serial(connection),
        "rss-updates",
        lambda base: feeds.rss(
            "Newest releases",
            base,
            "The newest releases on this index.",
            feeds.newest_releases(connection, base),
        ),
    )


@view_config(
    context=Feeds, name="packages.xml", permission=Permission.VIEW, request_method=("GET", "HEAD")
)
def packages_feed(request):
    connection = request.read_connection
    return _respond(
        request,
        changelog_last_serial(connection),
        "rss-packages",
        lambda base: feeds.rss(
            "Newest projects",
            base,
            "The newest projects on this index.",
            feeds.newest_projects(connection, base),
        ),
    )


@view_config(
    context=ProjectFeed,
    name="releases.xml",
    permission=Permission.VIEW,
    request_method=("GET", "HEAD"),
)
def project_feed(request):
    connection, project = request.read_connection, request.context.project
    return _respond(
        request,
        project.last_serial,
        f"rss-project-{project.id}",
        lambda base: feeds.rss(
            f"{project.name} releases",
            f"{base}project/{project.normalized_name}/",
            f"The newest releases of {project.name}.",
            feeds.project_releases(connection, project, base),
        ),
    )

"""A project's page (``/project/<name>/``: its latest release) and a
release's (``/project/<name>/<version>/``).

Each costs the same few indexed queries however many releases the project
has (see :mod:`cheeseshop.rendering.project_page`): the project (traversal),
the release history's columns, the release on show (traversal, or one read
by id), its files and the project's maintainers. What the page says about the
project is rendered once per project serial and kept in the page cache
(:mod:`cheeseshop.rendering.page_cache`); a page from the cache costs the
traversal's queries only.
"""

from pyramid.httpexceptions import HTTPMovedPermanently
from pyramid.renderers import render
from pyramid.view import view_config

from cheeseshop.api.responses import files_url
from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.rendering import project_page
from cheeseshop.resources import location
from cheeseshop.security.permissions import Permission
from cheeseshop.web import formatting
from cheeseshop.web.resources import ProjectPage, ReleasePage

TEMPLATE = "cheeseshop:web/templates/project.jinja2"
BODY_TEMPLATE = "cheeseshop:web/templates/project_body.jinja2"


def redirect_to_slash(request):
    """Pages end with "/", as the simple API's do (relative links, one URL
    per page): the spelling without it is redirected."""
    if not request.path_info.endswith("/"):
        raise HTTPMovedPermanently(location=location(request, request.path_info + "/"))


def _respond(request, project, which, title, values):
    """The page: its layout (the reader's header, rendered each time) around
    the project's part, rendered once per serial of the project and kept in
    the page cache; ``values()`` reads what that part shows."""
    base, files = request.application_url, files_url(request)
    key = ("project-page", project.id, which, project.last_serial, base, files)
    body = request.page_cache.get_or_render(
        key, lambda: render(BODY_TEMPLATE, values(), request=request).encode()
    )
    return {"title": title, "body": body.decode()}


@view_config(
    context=ProjectPage,
    name="",
    renderer=TEMPLATE,
    permission=Permission.VIEW,
    request_method=("GET", "HEAD"),
)
def project_view(request):
    redirect_to_slash(request)
    project = request.context.project

    def values():
        connection = request.read_connection
        history = project_page.release_history(connection, project.id)
        shown = project_page.latest(history)
        release = project_page.release(connection, shown.id) if shown is not None else None
        return _page(request, project, history, release, shown)

    # The latest release is found only when the part is rendered: titled by
    # the project alone, as pypi.org's page is.
    return _respond(request, project, "latest", project.name, values)


@view_config(
    context=ReleasePage,
    name="",
    renderer=TEMPLATE,
    permission=Permission.VIEW,
    request_method=("GET", "HEAD"),
)
def release_view(request):
    project, release = request.context.project, request.context.release
    if request.context.__name__ != release.version:
        # 1.0.0 finds 1.0 (the same version): the page is under the
        # version as it was uploaded.
        path = f"/project/{project.normalized_name}/{release.version}/"
        raise HTTPMovedPermanently(location=location(request, path))
    redirect_to_slash(request)

    def values():
        history = project_page.release_history(request.read_connection, project.id)
        shown = next(entry for entry in history if entry.id == release.id)
        return _page(request, project, history, release, shown)

    return _respond(request, project, release.id, f"{project.name} {release.version}", values)


def _page(request, project, history, release, shown):
    """The template's values; ``release`` (a row or ORM object) and ``shown``
    (its history entry) are None for a project without releases."""
    connection = request.read_connection
    status = ProjectStatus(project.status)
    latest = project_page.latest(history)
    values = {
        "project": project,
        "status": status,
        "history": list(reversed(history)),
        "latest": latest,
        "release": release,
        "shown": shown,
        "maintainers": project_page.maintainers(connection, project.id),
        "files": [],
        "files_url": files_url(request),
        "formatting": formatting,
    }
    if release is None:
        return values
    values.update(
        files=project_page.offered_files(connection, project, release.id),
        is_latest=latest is not None and latest.id == release.id,
        install=_install_command(request, project, release, latest),
        readme_html=formatting.readme_html(release.description_html),
        links=formatting.project_links(release),
        classifiers=formatting.grouped_classifiers(release.classifiers),
        keywords=formatting.keyword_list(release.keywords),
        license=formatting.license_text(release),
        authors=formatting.people(release.author, release.author_email),
        maintainer_people=formatting.people(release.maintainer, release.maintainer_email),
    )
    return values


def _install_command(request, project, release, latest):
    """pip's command line for this index; None where nothing is installable
    (a quarantined project)."""
    if not ProjectStatus(project.status).offers_files:
        return None
    requirement = project.name
    # pip skips pre-releases and yanked releases unless they are pinned.
    if release.id != latest.id or release.is_prerelease or release.yanked:
        requirement += f"=={release.version}"
    return f"pip install --index-url {request.application_url}/simple/ {requirement}"

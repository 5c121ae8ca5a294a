"""``/manage/project/<name>/``: a project as its Owners (and the index's
admins) manage it — roles, yanking, removal, status."""

import packaging.utils
from pyramid.view import view_config

from cheeseshop.accounts import roles
from cheeseshop.accounts.audit import Actor
from cheeseshop.accounts.roles import RoleName
from cheeseshop.catalog import projects, releases, removal
from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.security.permissions import Permission
from cheeseshop.web import actions
from cheeseshop.web.actions import REFUSALS, Refused
from cheeseshop.web.manage_account import account_url
from cheeseshop.web.resources import ManageProject

TEMPLATE = "cheeseshop:web/templates/manage_project.jinja2"
REMOVE_TEMPLATE = "cheeseshop:web/templates/manage_remove.jinja2"
MAX_REASON = 1000
# Quarantine (PEP 792) answers malware or a taken-over account: its Owners
# may neither set it nor lift it, only the index's admins.
ADMINS_ONLY = ProjectStatus.QUARANTINED


def project_url(request) -> str:
    return f"{request.application_url}/manage/project/{request.context.project.normalized_name}/"


def _is_admin(request) -> bool:
    return bool(request.identity.user.is_admin)


def _statuses(request):
    """The statuses this user may give the project."""
    if _is_admin(request):
        return list(ProjectStatus)
    return [status for status in ProjectStatus if status is not ADMINS_ONLY]


def project_page(request, **extra):
    """What the page shows; ``extra``: an error, the form's values."""
    project = request.context.project
    page = actions.Page(request)
    listed = releases.list_releases(
        request.dbsession, project, offset=page.offset, limit=page.limit
    )
    result = {
        "project": project,
        "roles": roles.list_roles(request.dbsession, project.name),
        "role_names": list(RoleName),
        "releases": page.rows(listed),
        "page": page,
        "statuses": _statuses(request),
        "status_locked": project.status == ADMINS_ONLY and not _is_admin(request),
        "max_reason": MAX_REASON,
        "error": None,
        "values": {},
    }
    result.update(extra)
    request.response.cache_control = "no-store"
    return result


def _manage(name, method="POST", renderer=TEMPLATE):
    return view_config(
        context=ManageProject,
        name=name,
        request_method=method,
        renderer=renderer,
        permission=Permission.MANAGE,
    )


def _actor(request):
    """Who, and from where, for the audit log."""
    return Actor.of_request(request, request.identity.user)


@_manage("", method="GET")
def manage_project(request):
    return project_page(request)


@_manage("role")
def set_role(request):
    """Add a user with a role, or change a user's role."""
    name = request.context.project.name
    values = {"username": request.POST.get("username", "")[:50]}
    user = request.identity.user
    try:
        username = actions.text(request, "username", "The username", max_length=50, required=True)
        role = request.POST.get("role", "")
        if role not in list(RoleName):
            raise Refused(f"Choose a role: {' or '.join(RoleName)}.")
        message = roles.set_role(
            request.dbsession, name, username, role, by=user, actor=_actor(request)
        )
    except REFUSALS as exc:
        return project_page(request, error=actions.refused(request, exc), values=values)
    return actions.done(request, message + ".", _after_role_change(request))


@_manage("remove-role")
def remove_role(request):
    name = request.context.project.name
    user = request.identity.user
    try:
        username = actions.text(request, "username", "The username", max_length=50, required=True)
        message = roles.remove_role(
            request.dbsession, name, username, by=user, actor=_actor(request)
        )
    except REFUSALS as exc:
        return project_page(request, error=actions.refused(request, exc))
    return actions.done(request, message + ".", _after_role_change(request))


def _after_role_change(request):
    """Back to the page, unless one gave up one's own ownership: one may
    not manage the project any more."""
    if request.has_permission(Permission.MANAGE, request.context):
        return project_url(request)
    return account_url(request)


@_manage("yank")
def yank(request):
    name = request.context.project.name
    user = request.identity.user
    try:
        version = actions.text(request, "version", "The version", max_length=100, required=True)
        reason = actions.text(request, "reason", "The reason", max_length=MAX_REASON)
        shown = releases.yank(
            request.dbsession, name, version, reason, user=user, actor=_actor(request)
        )
    except REFUSALS as exc:
        return project_page(request, error=actions.refused(request, exc))
    return actions.done(request, f"Yanked {shown}.", project_url(request))


@_manage("unyank")
def unyank(request):
    name = request.context.project.name
    user = request.identity.user
    try:
        version = actions.text(request, "version", "The version", max_length=100, required=True)
        shown = releases.unyank(request.dbsession, name, version, user=user, actor=_actor(request))
    except REFUSALS as exc:
        return project_page(request, error=actions.refused(request, exc))
    return actions.done(request, f"Un-yanked {shown}.", project_url(request))


@_manage("status")
def set_status(request):
    project = request.context.project
    user = request.identity.user
    values = {"reason": request.POST.get("reason", "")[:MAX_REASON]}
    try:
        status = request.POST.get("status", "")
        if status not in list(ProjectStatus):
            raise Refused(f"Choose a status: {', '.join(ProjectStatus)}.")
        if ADMINS_ONLY in (status, project.status) and not _is_admin(request):
            raise Refused(
                "Only the index's administrators quarantine a project or lift a quarantine."
            )
        reason = actions.text(request, "reason", "The reason", max_length=MAX_REASON)
        projects.set_status(
            request.dbsession, project.name, status, reason, user=user, actor=_actor(request)
        )
    except REFUSALS as exc:
        return project_page(request, error=actions.refused(request, exc), values=values)
    return actions.done(request, f"{project.name} is {status} now.", project_url(request))


# Removal: a page that shows what goes, and asks for the project's name.


def _removal_fields(request, params):
    version = params.get("version", "").strip()
    if not version or len(version) > 100:
        raise Refused("Choose a release to remove.")
    filename = params.get("filename", "").strip()
    if len(filename) > 255:
        raise Refused("No such file.")
    return version, filename or None


def remove_page(request, planned, **extra):
    result = {"project": request.context.project, "planned": planned, "error": None}
    result.update(extra)
    request.response.cache_control = "no-store"
    return result


@_manage("remove", method="GET", renderer=REMOVE_TEMPLATE)
def confirm_removal(request):
    project = request.context.project
    try:
        version, filename = _removal_fields(request, request.GET)
        planned = removal.plan(request.dbsession, project.name, version, filename)
    except REFUSALS as exc:
        request.override_renderer = TEMPLATE
        return project_page(request, error=actions.refused(request, exc, 404))
    return remove_page(request, planned)


@_manage("remove", renderer=REMOVE_TEMPLATE)
def remove(request):
    project = request.context.project
    user = request.identity.user
    try:
        version, filename = _removal_fields(request, request.POST)
        # What the person saw and agreed to: if the release changed since,
        # the domain removes nothing.
        expected = removal.Removal(
            project=project.name,
            version=version,
            filenames=tuple(request.POST.getall("planned")),
            filename=filename,
            release_removed=actions.checked(request, "release_removed"),
        )
        typed = actions.text(request, "confirm", "The project's name", max_length=200)
        if packaging.utils.canonicalize_name(typed, validate=False) != project.normalized_name:
            raise Refused(
                f"Type the project's name, {project.name}, to confirm; nothing was removed."
            )
        removed = removal.remove(
            request.dbsession,
            request.storage,
            project.name,
            version,
            filename,
            transaction_manager=request.tm,
            user=user,
            expected=expected,
            actor=_actor(request),
        )
    except REFUSALS as exc:
        message = actions.refused(request, exc)
        try:
            planned = removal.plan(
                request.dbsession, project.name, *_removal_fields(request, request.POST)
            )
        except REFUSALS:
            request.override_renderer = TEMPLATE
            return project_page(request, error=message)
        return remove_page(request, planned, error=message)
    summary = removed.summary()
    return actions.done(request, summary[0].upper() + summary[1:] + ".", project_url(request))

"""``/admin/``: the index's users and projects, for its admins."""

from pyramid.view import view_config

from cheeseshop.accounts import users
from cheeseshop.accounts.audit import Actor
from cheeseshop.catalog import projects
from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.security.permissions import Permission
from cheeseshop.web import actions
from cheeseshop.web.actions import REFUSALS, Refused
from cheeseshop.web.resources import AdminPages

TEMPLATE = "cheeseshop:web/templates/admin.jinja2"
MAX_EMAIL = 254
MAX_REASON = 1000


def admin_url(request) -> str:
    return request.application_url + "/admin/"


def admin_page(request, **extra):
    """Both lists, each filtered by name and shown a page at a time
    (``?user=…&users_page=N``, ``?project=…&projects_page=N``)."""
    session = request.dbsession
    user_filter = request.GET.get("user", "").strip()[:50]
    project_filter = request.GET.get("project", "").strip()[:200]
    users_page = actions.Page(request, "users_page")
    projects_page = actions.Page(request, "projects_page")
    listed_users = users.list_users(
        session, containing=user_filter, offset=users_page.offset, limit=users_page.limit
    )
    listed_projects = projects.list_projects(
        session, containing=project_filter, offset=projects_page.offset, limit=projects_page.limit
    )
    result = {
        "users": users_page.rows(listed_users),
        "users_page": users_page,
        "user_filter": user_filter,
        "projects": projects_page.rows(listed_projects),
        "projects_page": projects_page,
        "project_filter": project_filter,
        "statuses": list(ProjectStatus),
        "max_reason": MAX_REASON,
        "error": None,
        "values": {},
    }
    result.update(extra)
    request.response.cache_control = "no-store"
    return result


def _admin(name, method="POST"):
    return view_config(
        context=AdminPages,
        name=name,
        request_method=method,
        renderer=TEMPLATE,
        permission=Permission.ADMIN,
    )


def _actor(request):
    return Actor.of_request(request, request.identity.user)


@_admin("", method="GET")
def admin(request):
    return admin_page(request)


@_admin("add-user")
def add_user(request):
    values = {
        "username": request.POST.get("username", "")[:50],
        "email": request.POST.get("email", "")[:MAX_EMAIL],
        "admin": actions.checked(request, "admin"),
    }
    try:
        username = actions.text(request, "username", "The username", max_length=50, required=True)
        email = actions.text(request, "email", "The e-mail address", max_length=MAX_EMAIL)
        if email and ("@" not in email or any(c.isspace() for c in email)):
            raise Refused(f"{email!r} is not an e-mail address.")
        password = actions.password(request, "password", "The password")
        user = users.create_user(
            request.dbsession,
            username,
            password,
            email=email or None,
            admin=actions.checked(request, "admin"),
            actor=_actor(request),
        )
    except REFUSALS as exc:
        return admin_page(request, error=actions.refused(request, exc), values=values)
    kind = "admin" if user.is_admin else "user"
    return actions.done(request, f"Added the {kind} {user.username}.", admin_url(request))


@_admin("user-active")
def set_user_active(request):
    """Disable a user (every credential of theirs stops working), or enable one."""
    try:
        username = actions.text(request, "username", "The username", max_length=50, required=True)
        active = request.POST.get("active") == "yes"
        if not active and username == request.identity.user.username:
            raise Refused("You cannot disable your own account.")
        user = users.set_active(request.dbsession, username, active, actor=_actor(request))
    except REFUSALS as exc:
        return admin_page(request, error=actions.refused(request, exc))
    state = "enabled: they can sign in" if active else "disabled: they cannot sign in any more"
    return actions.done(request, f"{user.username} is {state}.", admin_url(request))


@_admin("project-status")
def set_project_status(request):
    try:
        name = actions.text(request, "project", "The project", max_length=200, required=True)
        status = request.POST.get("status", "")
        if status not in list(ProjectStatus):
            raise Refused(f"Choose a status: {', '.join(ProjectStatus)}.")
        reason = actions.text(request, "reason", "The reason", max_length=MAX_REASON)
        shown = projects.set_status(
            request.dbsession,
            name,
            status,
            reason,
            user=request.identity.user,
            actor=_actor(request),
        )
    except REFUSALS as exc:
        return admin_page(request, error=actions.refused(request, exc))
    return actions.done(request, f"{shown} is {status} now.", admin_url(request))

"""A user's page (``/user/<name>/``): the projects they have a role on."""

from pyramid.view import view_config

from cheeseshop.rendering import project_page
from cheeseshop.security.permissions import Permission
from cheeseshop.web.project import redirect_to_slash
from cheeseshop.web.resources import UserPage


@view_config(
    context=UserPage,
    name="",
    renderer="cheeseshop:web/templates/user.jinja2",
    permission=Permission.VIEW,
    request_method=("GET", "HEAD"),
)
def user_view(request):
    redirect_to_slash(request)
    user = request.context.user
    return {
        "user": user,
        "projects": project_page.user_projects(request.read_connection, user.id),
    }

from pyramid.view import view_config

from cheeseshop.resources import Root
from cheeseshop.security.permissions import Permission


@view_config(
    context=Root,
    name="",
    renderer="cheeseshop:web/templates/landing.jinja2",
    permission=Permission.VIEW,
)
def landing(request):
    return {
        "index_url": request.application_url + "/simple/",
        "upload_url": request.application_url + "/legacy/",
        "host": request.host.split(":")[0],
    }

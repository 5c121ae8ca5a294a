from pyramid.view import view_config

from cheeseshop.catalog import journal
from cheeseshop.rendering import index_summary
from cheeseshop.resources import Root
from cheeseshop.security.permissions import Permission
from cheeseshop.web import formatting


@view_config(
    context=Root,
    name="",
    renderer="cheeseshop:web/templates/landing.jinja2",
    permission=Permission.VIEW,
)
def landing(request):
    connection = request.read_connection
    serial = journal.last_serial(connection)
    return {
        "index_url": request.application_url + "/simple/",
        "upload_url": request.application_url + "/legacy/",
        "host": request.host.split(":")[0],
        "summary": index_summary.cached_summary(connection, request.page_cache, serial),
        "formatting": formatting,
    }

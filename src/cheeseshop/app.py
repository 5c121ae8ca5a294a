from pyramid.config import Configurator

from cheeseshop import settings as index_settings
from cheeseshop.access_log import AccessLog
from cheeseshop.api import replay


def main(global_config=None, **ini_settings):
    """The WSGI application (paste ``main`` entry point)."""
    settings = index_settings.load(ini_settings)
    return make_app(settings)


def make_app(settings):
    """The WSGI application for a :class:`cheeseshop.settings.Settings`."""
    with Configurator(settings=dict(settings.pyramid)) as config:
        config.registry.cheeseshop_settings = settings
        config.include("pyramid_jinja2")
        config.include("cheeseshop.resources")
        config.include("cheeseshop.db")
        config.include("cheeseshop.cdn")
        config.include("cheeseshop.storage")
        config.include("cheeseshop.mirror")
        config.include("cheeseshop.rendering")
        config.include("cheeseshop.security")
        config.include("cheeseshop.api")
        config.include("cheeseshop.web")
        app = replay.wrap(config.make_wsgi_app(), config.registry)
    # Outside Pyramid, so that the line has the status and the bytes that
    # really left, whatever a tween or an exception view made of them.
    return AccessLog(app) if settings.access_log else app

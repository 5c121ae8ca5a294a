from pyramid.config import Configurator

from cheeseshop.settings import integer_setting, with_defaults


def main(global_config=None, **settings):
    """The WSGI application (paste ``main`` entry point)."""
    settings = with_defaults(settings)
    for key in ("cheeseshop.max_file_size", "cheeseshop.page_cache_bytes", "cheeseshop.sqlite_busy_timeout"):
        if key in settings:
            integer_setting(settings, key, None)
    with Configurator(settings=settings, root_factory="cheeseshop.resources.root_factory") as config:
        config.include("pyramid_jinja2")
        config.include("cheeseshop.db")
        config.include("cheeseshop.storage")
        config.include("cheeseshop.rendering")
        config.include("cheeseshop.security")
        config.include("cheeseshop.api")
        config.include("cheeseshop.web")
        return config.make_wsgi_app()

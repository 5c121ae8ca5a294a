from pyramid.config import Configurator

from .config import integer_setting, with_defaults


def main(global_config=None, **settings):
    """The WSGI application (paste ``main`` entry point)."""
    settings = with_defaults(settings)
    for key in ("cheeseshop.max_file_size", "cheeseshop.page_cache_bytes", "cheeseshop.sqlite_busy_timeout"):
        if key in settings:
            integer_setting(settings, key, None)
    with Configurator(settings=settings, root_factory="cheeseshop.resources.root_factory") as config:
        config.include("pyramid_jinja2")
        config.include(".models")
        config.include(".storage")
        config.include(".page_cache")
        config.include(".security")
        config.include(".views")
        return config.make_wsgi_app()

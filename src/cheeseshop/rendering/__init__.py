"""Pure builders of simple pages and JSON API documents; the page cache."""

from cheeseshop.rendering.page_cache import PageCache
from cheeseshop.settings import integer_setting


def includeme(config):
    settings = config.get_settings()
    size = integer_setting(settings, "cheeseshop.page_cache_bytes", 64 * 1024 * 1024)
    cache = PageCache(size)
    config.registry["page_cache"] = cache
    config.add_request_method(lambda r: r.registry["page_cache"], "page_cache", reify=True)

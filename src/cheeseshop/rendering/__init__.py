"""Pure builders of simple pages and JSON API documents; the page cache."""

from cheeseshop.rendering.page_cache import PageCache


def includeme(config):
    cache = PageCache(config.registry.cheeseshop_settings.page_cache_bytes)
    config.registry["page_cache"] = cache
    config.add_request_method(lambda r: r.registry["page_cache"], "page_cache", reify=True)

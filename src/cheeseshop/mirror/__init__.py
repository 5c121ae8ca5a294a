"""The upstream client and the pull-through cache (``cheeseshop.upstream``)."""


def includeme(config):
    settings = config.registry.cheeseshop_settings
    cache = None
    if settings.upstream:
        from cheeseshop.mirror.pull_through import PullThroughCache

        cache = PullThroughCache(settings, config.registry["db_engine"])
    config.registry["upstream_cache"] = cache
    config.add_request_method(lambda r: r.registry["upstream_cache"], "upstream", reify=True)

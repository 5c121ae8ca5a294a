"""Machine protocols: simple API, JSON API, files, legacy upload."""


def includeme(config):
    config.include("cheeseshop.api.resources")
    config.scan("cheeseshop.api")

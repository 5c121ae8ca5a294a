"""Machine protocols: simple API, JSON API, files, legacy upload."""


def includeme(config):
    config.scan("cheeseshop.api")

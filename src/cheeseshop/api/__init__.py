"""Machine protocols: simple API, JSON API, files, legacy upload, XML-RPC, RSS."""


def includeme(config):
    config.include("cheeseshop.api.resources")
    config.scan("cheeseshop.api")

"""Pages for people."""


def includeme(config):
    config.scan("cheeseshop.web")

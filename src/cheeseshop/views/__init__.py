def includeme(config):
    config.scan(".")

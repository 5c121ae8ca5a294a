"""Pages for people: project pages, search, sign-in, account and project
management, administration."""

STATIC_MAX_AGE = 365 * 24 * 3600


def includeme(config):
    config.include("cheeseshop.web.resources")
    config.include("cheeseshop.web.sessions")
    config.include("cheeseshop.web.errors")
    # Versioned URLs (cheeseshop.web.site.Site.static): kept for a year.
    config.add_static_view("static", "cheeseshop:web/static/", cache_max_age=STATIC_MAX_AGE)
    config.scan("cheeseshop.web")

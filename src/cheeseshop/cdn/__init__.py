"""A CDN or caching proxy in front: the keys pages carry, and purges after
each commit that changes them (``cheeseshop.purge``)."""

from pyramid.exceptions import ConfigurationError
from pyramid.util import DottedNameResolver

from cheeseshop.cdn.interfaces import IPurger
from cheeseshop.cdn.keys import PURGER

BACKENDS = {
    "varnish": "cheeseshop.cdn.varnish.VarnishPurger",
    "fastly": "cheeseshop.cdn.fastly.FastlyPurger",
    "cloudflare": "cheeseshop.cdn.cloudflare.CloudflarePurger",
}


def purger_from_settings(settings):
    """The purger ``cheeseshop.purge`` names (a short name or a dotted
    name), or None for ``none``."""
    name = settings.purge
    if name == "none":
        return None
    try:
        cls = DottedNameResolver().resolve(BACKENDS.get(name, name))
    except (ImportError, ValueError) as exc:
        raise ConfigurationError(f"cheeseshop.purge = {name}: {exc}") from None
    if not IPurger.implementedBy(cls):
        raise ConfigurationError(f"cheeseshop.purge = {name}: {cls!r} does not implement IPurger")
    purger = cls.from_settings(settings)
    purger.repeat_after = settings.purge_repeat_after
    return purger


def attach(session_factory, purger):
    """Sessions ``session_factory`` makes purge after their commits."""
    if purger is not None:
        session_factory.configure(info={PURGER: purger})


def includeme(config):
    purger = purger_from_settings(config.registry.cheeseshop_settings)
    config.registry["purger"] = purger
    attach(config.registry["dbsession_factory"], purger)

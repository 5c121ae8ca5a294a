"""Varnish (or any proxy that bans by a header): ``BAN`` to each URL of
``cheeseshop.purge.url`` (space-separated: one per Varnish), with the keys
as a regular expression in ``X-Purge-Keys``; the VCL in the deployment
guide turns it into ``ban("obj.http.Surrogate-Key ~ " + ...)``."""

import re

from zope.interface import implementer

from cheeseshop.cdn.http import PurgeClient
from cheeseshop.cdn.interfaces import IPurger

KEY = re.compile(r"[a-z0-9-]+")


@implementer(IPurger)
class VarnishPurger:
    def __init__(self, urls, timeout):
        self.urls = urls
        self.client = PurgeClient(timeout)

    @classmethod
    def from_settings(cls, settings):
        urls = (settings.purge_url or "").split()
        if not urls:
            from pyramid.exceptions import ConfigurationError

            raise ConfigurationError("cheeseshop.purge = varnish needs cheeseshop.purge.url")
        return cls(urls, settings.purge_timeout)

    def purge(self, keys):
        # Keys are tokens of [a-z0-9-] in a space-separated header value. A
        # ban's argument may not hold a space unless quoted, which VCL makes
        # awkward: [[:space:]] stands for it.
        for key in keys:
            if not KEY.fullmatch(key):
                raise ValueError(f"not a key: {key!r}")
        pattern = "(^|[[:space:]])(" + "|".join(keys) + ")([[:space:]]|$)"
        for url in self.urls:
            self.client.send("BAN", url, headers={"X-Purge-Keys": pattern})

"""Cloudflare: purge by cache tag through its API (``POST
/zones/<zone>/purge_cache`` with ``{"tags": [...]}``; tags come from the
pages' ``Cache-Tag``)."""

from pyramid.exceptions import ConfigurationError
from zope.interface import implementer

from cheeseshop.cdn.http import PurgeClient
from cheeseshop.cdn.interfaces import IPurger

API = "https://api.cloudflare.com/client/v4"


@implementer(IPurger)
class CloudflarePurger:
    def __init__(self, zone, token, timeout, api_url=API):
        self.url = f"{api_url.rstrip('/')}/zones/{zone}/purge_cache"
        self.token = token
        self.client = PurgeClient(timeout)

    @classmethod
    def from_settings(cls, settings):
        if not settings.purge_service or not settings.purge_token:
            raise ConfigurationError(
                "cheeseshop.purge = cloudflare needs cheeseshop.purge.service (the zone id) "
                "and cheeseshop.purge.token"
            )
        return cls(
            settings.purge_service,
            settings.purge_token,
            settings.purge_timeout,
            settings.purge_api_url or API,
        )

    def purge(self, keys):
        self.client.send(
            "POST",
            self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            body={"tags": list(keys)},
        )

"""Cloudflare: purge by cache tag through its API (``POST
/zones/<zone>/purge_cache`` with ``{"tags": [...]}``; tags come from the
pages' ``Cache-Tag``)."""

from zope.interface import implementer

from cheeseshop.cdn.http import ApiPurger
from cheeseshop.cdn.interfaces import IPurger


@implementer(IPurger)
class CloudflarePurger(ApiPurger):
    NAME = "cloudflare"
    API = "https://api.cloudflare.com/client/v4"
    SERVICE = "the zone id"

    def url(self, api_url, zone):
        return f"{api_url}/zones/{zone}/purge_cache"

    def purge(self, keys):
        self.client.send(
            "POST",
            self.purge_url,
            headers={"Authorization": f"Bearer {self.token}"},
            body={"tags": list(keys)},
        )

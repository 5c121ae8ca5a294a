"""Fastly: purge by surrogate key through its API (``POST
/service/<id>/purge`` with the keys in ``Surrogate-Key``)."""

from zope.interface import implementer

from cheeseshop.cdn.http import ApiPurger
from cheeseshop.cdn.interfaces import IPurger


@implementer(IPurger)
class FastlyPurger(ApiPurger):
    NAME = "fastly"
    API = "https://api.fastly.com"
    SERVICE = "the service id"

    def url(self, api_url, service):
        return f"{api_url}/service/{service}/purge"

    def purge(self, keys):
        self.client.send(
            "POST",
            self.purge_url,
            headers={"Fastly-Key": self.token, "Surrogate-Key": " ".join(keys)},
        )

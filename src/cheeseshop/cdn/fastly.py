"""Fastly: purge by surrogate key through its API (``POST
/service/<id>/purge`` with the keys in ``Surrogate-Key``)."""

from pyramid.exceptions import ConfigurationError
from zope.interface import implementer

from cheeseshop.cdn.http import PurgeClient
from cheeseshop.cdn.interfaces import IPurger

API = "https://api.fastly.com"


@implementer(IPurger)
class FastlyPurger:
    def __init__(self, service, token, timeout, api_url=API):
        self.url = f"{api_url.rstrip('/')}/service/{service}/purge"
        self.token = token
        self.client = PurgeClient(timeout)

    @classmethod
    def from_settings(cls, settings):
        if not settings.purge_service or not settings.purge_token:
            raise ConfigurationError(
                "cheeseshop.purge = fastly needs cheeseshop.purge.service and cheeseshop.purge.token"
            )
        return cls(
            settings.purge_service,
            settings.purge_token,
            settings.purge_timeout,
            settings.purge_api_url or API,
        )

    def purge(self, keys):
        self.client.send(
            "POST", self.url, headers={"Fastly-Key": self.token, "Surrogate-Key": " ".join(keys)}
        )

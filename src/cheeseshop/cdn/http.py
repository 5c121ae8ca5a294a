"""The purgers' HTTP: short timeouts, no retries, one line on failure."""

import json

import urllib3
from pyramid.exceptions import ConfigurationError

from cheeseshop.cdn.keys import PurgeFailed


class PurgeClient:
    def __init__(self, timeout):
        self.pool = urllib3.PoolManager(
            retries=False, timeout=urllib3.Timeout(connect=timeout, read=timeout)
        )

    def send(self, method, url, headers=None, body=None):
        """The response's status; PurgeFailed unless it is 2xx."""
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers = {**(headers or {}), "Content-Type": "application/json"}
        try:
            response = self.pool.request(method, url, headers=headers, body=body)
        except urllib3.exceptions.HTTPError as exc:
            raise PurgeFailed(f"{method} {url}: {getattr(exc, 'reason', None) or exc}") from None
        if not 200 <= response.status < 300:
            text = " ".join(response.data[:200].decode("utf-8", "replace").split())
            raise PurgeFailed(f"{method} {url} answered {response.status}: {text}")
        return response.status


class ApiPurger:
    """A CDN purged through its HTTP API: ``cheeseshop.purge.service`` (the
    service or zone id), ``.token``, and ``.api_url`` (default ``API``)."""

    NAME = API = SERVICE = None

    def __init__(self, service, token, timeout, api_url=None):
        self.purge_url = self.url((api_url or self.API).rstrip("/"), service)
        self.token = token
        self.client = PurgeClient(timeout)

    @classmethod
    def from_settings(cls, settings):
        if not settings.purge_service or not settings.purge_token:
            raise ConfigurationError(
                f"cheeseshop.purge = {cls.NAME} needs cheeseshop.purge.service "
                f"({cls.SERVICE}) and cheeseshop.purge.token"
            )
        return cls(
            settings.purge_service,
            settings.purge_token,
            settings.purge_timeout,
            settings.purge_api_url,
        )

    def url(self, api_url, service):
        raise NotImplementedError

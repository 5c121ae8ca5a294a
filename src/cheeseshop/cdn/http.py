"""The purgers' HTTP: short timeouts, no retries, one line on failure."""

import json

import urllib3

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

"""The answer to a login refused by the limits on password guessing."""

import logging

from pyramid.httpexceptions import HTTPTooManyRequests

log = logging.getLogger(__name__)


class LoginThrottled(Exception):
    """Raised when a request's identity is asked for and its credentials may
    not be checked yet: too many failed logins from its address, or for its
    username from its address. The answer is the same whether or not the
    user exists."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        seconds = "1 second" if self.retry_after == 1 else f"{self.retry_after} seconds"
        return f"Too many failed logins; try again in {seconds}."


def login_throttled(exc, request):
    """429, the message in the status line (twine, uv and distutils print
    the reason phrase) and the body, and ``Retry-After``."""
    log.info(
        "%s %s from %s: login refused for %d s (too many failures)",
        request.method,
        request.path,
        request.remote_addr,
        exc.retry_after,
    )
    response = HTTPTooManyRequests()
    response.status = f"429 {exc.message}"
    response.content_type = "text/plain"
    response.text = exc.message + "\n"
    response.headers["Retry-After"] = str(exc.retry_after)
    return response

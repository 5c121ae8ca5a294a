"""What every page's layout needs: the site's name, URLs, the signed-in
user, the CSRF token, messages. Templates see it as ``site``."""

import functools
import hashlib
from importlib import resources

from pyramid.events import BeforeRender, subscriber

from cheeseshop.security.permissions import Permission
from cheeseshop.security.policy import SESSION_COOKIE

STATIC = resources.files("cheeseshop.web") / "static"


@functools.cache
def static_version(name) -> str:
    """A digest of a static file: part of its URL, so it can be cached for a
    year and still change with a new release."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


class Site:
    name = "cheeseshop"

    def __init__(self, request):
        self.request = request

    def url(self, path: str) -> str:
        """An absolute URL of this application (``path`` without its leading ``/``)."""
        return self.request.application_url + "/" + path

    def static(self, name: str) -> str:
        return self.url(f"static/{name}?v={static_version(name)}")

    @functools.cached_property
    def user(self):
        """Who signed in with this browser. Only a session counts: a page
        must not check Basic credentials it was sent (a password hash per
        read), and a browser's Basic login cannot be signed out of anyway."""
        request = self.request
        if SESSION_COOKIE not in request.cookies or "Authorization" in request.headers:
            return None
        identity = request.identity
        return identity.user if identity is not None else None

    @property
    def readable(self) -> bool:
        """Whether the caller may read the index (its search box is of use)."""
        return bool(self.request.has_permission(Permission.VIEW, self.request.root))

    @property
    def csrf_token(self) -> str:
        return self.request.session.get_csrf_token()

    @property
    def flashes(self):
        if SESSION_COOKIE not in self.request.cookies:
            return []
        return self.request.session.pop_flash()


@subscriber(BeforeRender)
def add_site(event):
    request = event.get("request")
    if request is not None and "site" not in event:
        event["site"] = Site(request)

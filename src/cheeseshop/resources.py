"""Traversal's root: the first URL segment names a surface's container.

Each surface adds its containers with ``config.add_url_container(name,
factory)`` (``simple``, ``pypi``, ``packages``, ``legacy``: see
:mod:`cheeseshop.api.resources`); below them, contexts carry their ``__acl__``.

A GET or HEAD whose path traversal reads differently than it is spelled
(``//``, ``.`` or ``..`` segments, a project name not in normal form) is
redirected once, at the root, to the one spelling: caches and clients then
see one URL per page, and relative links resolve as intended.
"""

import re
from urllib.parse import quote

import packaging.utils
from pyramid.authorization import Allow, Authenticated, Everyone
from pyramid.httpexceptions import HTTPForbidden, HTTPMovedPermanently
from pyramid.traversal import split_path_info

from cheeseshop.security.permissions import Permission

# What a path (RFC 3986 pchar and "/") may carry unescaped, "%" aside: every
# other byte, control characters and non-ASCII included, is percent-encoded.
PATH_SAFE = "/!$&'()*+,;=:@~"
# A query string is passed on as received: its escapes stay ("%" is safe).
QUERY_SAFE = PATH_SAFE + "?%"


class Resource:
    __name__ = ""
    __parent__ = None
    # A container of the root reachable on a private index without signing
    # in (the sign-in page).
    always_readable = False

    def __init__(self, request, name="", parent=None):
        self.request = request
        self.__name__ = name
        self.__parent__ = parent


class Root(Resource):
    """Everything: readable by everyone, or on a private index
    (``cheeseshop.read_access = authenticated``) by signed-in callers only."""

    @property
    def __acl__(self):
        private = self.request.registry.cheeseshop_settings.private
        return [(Allow, Authenticated if private else Everyone, Permission.VIEW)]

    def __getitem__(self, name):
        container = self.request.registry[CONTAINERS].get(name)
        readable = container is not None and container.always_readable
        # A public index's root lets everyone read (see ``__acl__``): no need
        # to ask the security policy on every request.
        private = self.request.registry.cheeseshop_settings.private
        if private and self.request.method in ("GET", "HEAD") and not readable:
            # Before anything is looked up: a private index tells an
            # anonymous caller not even which projects exist (404 or not).
            allowed = self.request.has_permission(Permission.VIEW, self)
            if not allowed:
                raise HTTPForbidden(result=allowed)
        if container is None:
            raise KeyError(name)
        redirect_to_canonical(self.request, getattr(container, "canonical_segments", None))
        return container(self.request, name, self)


CONTAINERS = "cheeseshop.url_containers"

# A project name as uploads accept it (PEP 508), and no longer than its column.
PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
MAX_NAME = 200


def is_project_name(name):
    return len(name) <= MAX_NAME and PROJECT_NAME.fullmatch(name) is not None


def project_in_normal_form(segments):
    """``canonical_segments`` of the containers whose second segment is a
    project name: that segment in PEP 503 normal form. A segment that is no
    project name stays as it is, to be a 404: no redirect spells it anew."""
    if len(segments) > 1 and is_project_name(segments[1]):
        segments[1] = packaging.utils.canonicalize_name(segments[1])
    return segments


def root_factory(request):
    return Root(request)


def add_url_container(config, name, factory):
    """Serve ``/<name>/...`` by traversing ``factory(request, name, root)``.

    ``factory.canonical_segments(segments)``, if the factory has it, returns
    the path's segments (a list, the container's name first) spelled as the
    container wants them; a GET or HEAD spelled otherwise is redirected."""
    config.registry.setdefault(CONTAINERS, {})[name] = factory


def _wsgi_bytes(value: str) -> bytes:
    # WSGI strings carry the bytes received as Latin-1 code points.
    return value.encode("latin-1", "replace")


def location(request, path: str) -> str:
    """A Location for ``path`` (decoded, as ``request.path_info`` is) under
    this application, with the request's query string: percent-encoded
    ASCII, so no header can carry a control character or a byte beyond
    Latin-1 whatever the client sent."""
    environ = request.environ
    url = quote(_wsgi_bytes(environ.get("SCRIPT_NAME", "")), safe=PATH_SAFE)
    url += quote(path.encode("utf-8", "replace"), safe=PATH_SAFE)
    query = environ.get("QUERY_STRING", "")
    if query:
        url += "?" + quote(_wsgi_bytes(query), safe=QUERY_SAFE)
    return url


def redirect_to_canonical(request, canonical_segments=None):
    """Raise a 301 to the path traversal reads when the request spells it
    otherwise: empty, ``.`` and ``..`` segments dropped, and
    ``canonical_segments(segments)`` applied. GET and HEAD only: a
    redirected POST would lose its body."""
    if request.method not in ("GET", "HEAD"):
        return
    path = request.path_info
    segments = list(split_path_info(path))
    if canonical_segments is not None:
        segments = canonical_segments(segments)
    wanted = "/" + "/".join(segments)
    if segments and path.endswith("/"):
        wanted += "/"
    if wanted != path:
        raise HTTPMovedPermanently(location=location(request, wanted))


def includeme(config):
    config.set_root_factory(root_factory)
    config.add_directive("add_url_container", add_url_container)

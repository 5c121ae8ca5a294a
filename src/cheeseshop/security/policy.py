"""Who is asking, and what they may do.

Identities come from HTTP Basic credentials (a username and password, as
twine, uv, poetry, pdm and distutils send them). Permissions come from the
contexts' ``__acl__``.
"""

import base64
import binascii

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import RequestLocalCache
from zope.interface import implementer

from cheeseshop.accounts import users as accounts


def basic_credentials(request):
    """(username, password) from an ``Authorization: Basic`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username, password


@implementer(ISecurityPolicy)
class SecurityPolicy:
    def __init__(self):
        self.acl = ACLHelper()
        # One password check per request, however often the identity is asked.
        self._identity = RequestLocalCache(self._load_identity)

    def identity(self, request):
        return self._identity.get_or_create(request)

    def _load_identity(self, request):
        credentials = basic_credentials(request)
        if credentials is None:
            return None
        # On the read connection: checking a password must not take the
        # database's write lock (SQLite) for the time an argon2 hash takes.
        return accounts.authenticate(request.read_session, *credentials)

    def authenticated_userid(self, request):
        user = request.identity
        return str(user.id) if user is not None else None

    def permits(self, request, context, permission):
        # Public permissions are decided without looking at credentials: a
        # read never costs a password hash, whatever the client sends.
        anonymous = self.acl.permits(context, [Everyone], permission)
        if anonymous:
            return anonymous
        user = request.identity
        if user is None:
            return anonymous
        principals = [Everyone, Authenticated, f"user:{user.id}"]
        return self.acl.permits(context, principals, permission)

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []

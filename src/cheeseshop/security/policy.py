"""Who is asking, and what they may do.

Identities come from HTTP Basic credentials (a username and password, as
twine, uv, poetry, pdm and distutils send them). Permissions come from the
contexts' ``__acl__``.

Password guessing is limited (:mod:`cheeseshop.accounts.login_limits`): a
check the limits refuse raises :class:`LoginThrottled` (429) without
computing a hash, and every failed check is counted.
"""

import base64
import binascii

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import RequestLocalCache
from zope.interface import implementer

from cheeseshop.accounts import login_limits
from cheeseshop.accounts import users as accounts
from cheeseshop.security.permissions import ADMINS
from cheeseshop.security.throttling import LoginThrottled


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
    if not sep or "\x00" in username:
        # No username holds NUL, and PostgreSQL cannot even compare one.
        return None
    return username, password


def client_address(request) -> str:
    """Whom the failures are counted against: ``REMOTE_ADDR``, which waitress
    sets to the peer, or to the client a trusted proxy names (its
    ``trusted_proxy`` settings). Not webob's ``client_addr``: that believes
    any ``X-Forwarded-For`` a client sends, when no proxy removed it."""
    return request.remote_addr or ""


class _Throttled:
    """What the identity cache holds for a refused login."""

    def __init__(self, retry_after):
        self.retry_after = retry_after


@implementer(ISecurityPolicy)
class SecurityPolicy:
    def __init__(self):
        self.acl = ACLHelper()
        # One password check per request, however often the identity is asked.
        self._identity = RequestLocalCache(self._load_identity)

    def identity(self, request):
        identity = self._identity.get_or_create(request)
        if isinstance(identity, _Throttled):
            # Every time it is asked for: the upload view, then has_permission.
            raise LoginThrottled(identity.retry_after)
        return identity

    def _load_identity(self, request):
        credentials = basic_credentials(request)
        if credentials is None:
            return None
        username, password = credentials
        limits = login_limits.LoginLimits.from_settings(request.registry.cheeseshop_settings)
        address = client_address(request)
        # On the read connection: checking a password must not take the
        # database's write lock (SQLite) for the time an argon2 hash takes.
        # The limits first, so a refused attempt costs no hash.
        wait = login_limits.seconds_to_wait(request.read_session, limits, username, address)
        if wait is not None:
            return _Throttled(wait)
        user = accounts.authenticate(request.read_session, username, password)
        if user is None:
            # Its own short transaction: the request's may roll back, and on
            # SQLite has not taken the write lock yet (the identity is the
            # first thing a write asks for).
            login_limits.record_failure(request.registry["db_engine"], limits, username, address)
        return user

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
        if user.is_admin:
            principals.append(ADMINS)
        return self.acl.permits(context, principals, permission)

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []

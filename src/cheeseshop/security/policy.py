"""Who is asking, and what they may do.

Identities come from HTTP Basic credentials: a username and password, as
twine, uv, poetry, pdm and distutils send them, or ``__token__`` and an API
token (:mod:`cheeseshop.accounts.tokens`). Permissions come from the
contexts' ``__acl__``, narrowed by a token's scope.

Password guessing is limited (:mod:`cheeseshop.accounts.login_limits`): a
check the limits refuse raises :class:`LoginThrottled` (429) without
computing a hash, and every failed check is counted. A password verified
for a read is remembered for a while
(:mod:`cheeseshop.accounts.remembered_logins`): a CI fleet reading a private
index must not cost an argon2 hash per request.
"""

import base64
import binascii
import dataclasses

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import RequestLocalCache
from pyramid.security import Denied
from zope.interface import implementer

from cheeseshop.accounts import audit, login_limits, tokens
from cheeseshop.accounts import users as accounts
from cheeseshop.accounts.audit import Actor, Event
from cheeseshop.accounts.remembered_logins import RememberedLogins
from cheeseshop.security.permissions import ADMINS, Permission
from cheeseshop.security.throttling import LoginThrottled

READS = ("GET", "HEAD")
# The browser's session (cheeseshop.web.sessions): its cookie, and the key
# of the signed-in user in it.
SESSION_COOKIE = "cheeseshop_session"
SESSION_USER = "user"
# Where the caller a request authenticated as is named (``Identity.name``),
# for the access log (:mod:`cheeseshop.access_log`), which reads it once the
# answer is sent.
ENVIRON_USER = "cheeseshop.user"


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


class Throttled:
    """A login refused by the limits on password guessing, for this many seconds."""

    def __init__(self, retry_after):
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True)
class Identity:
    """An authenticated caller: a user, and the token's scope if a token
    authenticated it."""

    # A User, or a row with its id, username, is_admin, is_active and
    # password_hash (the read path loads no ORM objects).
    user: object
    token: tokens.TokenScope | None = None

    @property
    def name(self) -> str:
        """Who the caller is, as the access log shows it: the username, and
        which of the user's tokens when one was used (``alice/token-3``).
        No spaces, so the log's fields still split on them."""
        if self.token is None:
            return self.user.username
        return f"{self.user.username}/token-{self.token.id}"

    @property
    def principals(self):
        principals = [Everyone, Authenticated, f"user:{self.user.id}"]
        if self.user.is_admin:
            principals.append(ADMINS)
        return principals


@implementer(ISecurityPolicy)
class SecurityPolicy:
    def __init__(self, token_key: bytes, remembered_logins: RememberedLogins):
        self.acl = ACLHelper()
        self.token_key = token_key
        self.remembered = remembered_logins
        # One credentials check per request, however often the identity is asked.
        self._identity = RequestLocalCache(self._load_identity)

    def identity(self, request) -> Identity | None:
        identity = self._identity.get_or_create(request)
        if isinstance(identity, Throttled):
            # Every time it is asked for: the upload view, then has_permission.
            raise LoginThrottled(identity.retry_after)
        return identity

    def _load_identity(self, request):
        credentials = basic_credentials(request)
        if credentials is None:
            identity = self._session_identity(request)
            if identity is not None:
                request.environ[ENVIRON_USER] = identity.name
            return identity
        username, password = credentials
        if tokens.is_token(username):
            identity = self._token_identity(request, password)
        else:
            identity = self._password_identity(request, username, password)
        if isinstance(identity, Identity):
            # Only once the credentials were checked: the access log never
            # names a user it was merely told about.
            request.environ[ENVIRON_USER] = identity.name
        return identity

    def _token_identity(self, request, secret):
        checked = tokens.check(request.read_connection, self.token_key, secret)
        if checked is None:
            return self._failed(request, tokens.USERNAME, "token")
        if checked.stale:
            actor = Actor.of_request(request, checked.user)
            with request.registry["db_engine"].begin() as connection:
                if tokens.record_use(connection, checked.scope.id) and checked.first_use:
                    audit.record(
                        connection,
                        Event.TOKEN_FIRST_USED,
                        actor,
                        user=checked.user.username,
                        detail=f"token {checked.scope.id}",
                    )
        return Identity(checked.user, checked.scope)

    def _session_identity(self, request):
        """The user a browser signed in as (:mod:`cheeseshop.web.sessions`),
        if the session still holds: same password, still active."""
        if SESSION_COOKIE not in request.cookies:
            return None  # no session to read: no query, no cookie set
        signed_in = request.session.get(SESSION_USER)
        if not isinstance(signed_in, list) or len(signed_in) != 2:
            return None
        user_id, fingerprint = signed_in
        user = (
            accounts.user_by_id(request.read_connection, user_id)
            if isinstance(user_id, int)
            else None
        )
        if user is None or not user.is_active or fingerprint != self.fingerprint(user):
            return None
        return Identity(user)

    def fingerprint(self, user) -> str:
        """What a session keeps of the password it was opened with: a new
        password ends every session opened with the old one."""
        return tokens.keyed_hash(self.token_key, "session:" + user.password_hash)[:32]

    def _password_identity(self, request, username, password):
        read = request.method in READS
        if read:
            remembered = self.remembered.recall(username, password)
            if remembered is not None:
                user_id, password_hash = remembered
                user = accounts.user_by_id(request.read_connection, user_id)
                # Still that password, still active: or it is forgotten.
                if user is not None and user.is_active and user.password_hash == password_hash:
                    return Identity(user)
                self.remembered.forget(username, password)
        user = self.check_password(request, username, password, "password")
        if user is None or isinstance(user, Throttled):
            return user
        if read:
            self.remembered.remember(username, password, user)
        return Identity(user)

    def check_password(self, request, username, password, how):
        """The active user with these credentials; None (the failure
        counted and audited) or a :class:`Throttled` otherwise. ``how``:
        what the audit log says of the login (``password``, ``web``)."""
        # On the read connection: checking a password must not take the
        # database's write lock (SQLite) for the time an argon2 hash takes.
        # The limits first, so a refused attempt costs no hash.
        limits = self._limits(request)
        wait = login_limits.seconds_to_wait(
            request.read_session, limits, username, client_address(request)
        )
        if wait is not None:
            return Throttled(wait)
        user = accounts.authenticate(request.read_session, username, password)
        if user is None:
            return self._failed(request, username, how, limits)
        audit.record_apart(
            request.registry["db_engine"],
            Event.LOGIN,
            Actor.of_request(request, user),
            user=user.username,
            detail=f"{how}, {request.method} {request.path_info[:100]}",
        )
        return user

    def _limits(self, request):
        return login_limits.LoginLimits.from_settings(request.registry.cheeseshop_settings)

    def _failed(self, request, username, kind, limits=None):
        """Count a failed check (in short transactions of their own: the
        request's may roll back, and on SQLite has not taken the write lock
        yet) and answer no identity; or 429 when this address is over the
        limits already."""
        address = client_address(request)
        if limits is None:
            # A token is not throttled before its lookup (guessing one is
            # hopeless, and a valid one must cost nothing more); failures
            # still count, so a flood of bad ones is stopped here.
            limits = self._limits(request)
            wait = login_limits.seconds_to_wait(request.read_session, limits, username, address)
            if wait is not None:
                return Throttled(wait)
        engine = request.registry["db_engine"]
        login_limits.record_failure(engine, limits, username, address)
        audit.record_apart(
            engine,
            Event.LOGIN_FAILED,
            Actor(None, address),
            user=username,
            detail=f"{kind}, {request.method} {request.path_info[:100]}",
        )
        return None

    def authenticated_userid(self, request):
        identity = request.identity
        return str(identity.user.id) if identity is not None else None

    def permits(self, request, context, permission):
        # Public permissions are decided without looking at credentials: a
        # read never costs a password hash, whatever the client sends.
        anonymous = self.acl.permits(context, [Everyone], permission)
        if anonymous:
            return anonymous
        identity = request.identity
        if identity is None:
            return anonymous
        allowed = self.acl.permits(context, identity.principals, permission)
        if allowed and identity.token is not None and permission != Permission.VIEW:
            project = getattr(context, "project", None)
            if permission != Permission.UPLOAD or not identity.token.allows_upload_to(project):
                return Denied(f"the token's scope does not allow {permission} here")
        return allowed

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []

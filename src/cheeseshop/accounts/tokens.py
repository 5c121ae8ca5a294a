"""API tokens: what CI jobs and installers authenticate with.

A token is ``pypi-`` and 43 URL-safe characters (256 random bits), sent as
the password of the user ``__token__``, as pypi.org's. It is shown once; the
index keeps only HMAC-SHA256(token key, token), so checking one costs a keyed
hash and one lookup by a unique index, never a password hash, and a copy of
the database alone cannot be turned into working tokens.

A token acts for its user, narrowed by its scope: ``read_only`` (installs
from a private index) and, when it names projects, uploads only to those.
Revoked, expired, or its user disabled: it stops working with the next
request, in every worker, since every request reads the token's row anew.
"""

import dataclasses
import datetime
import hashlib
import hmac
import os
import secrets

from pyramid.exceptions import ConfigurationError
from sqlalchemy import bindparam, select, update

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from cheeseshop.accounts.users import AccountError, find_user
from cheeseshop.catalog.projects import find_project
from cheeseshop.models.accounts import API_TOKENS, ApiToken, ApiTokenProject, User
from cheeseshop.models.timestamps import utcnow

USERS = User.__table__
TOKEN_PROJECTS = ApiTokenProject.__table__
# One query, built once (it runs on every request a token authenticates):
# the token by its unique hash, its user, and its projects (a row per
# project, or one row with NULL).
_CHECK = (
    select(
        API_TOKENS.c.id.label("token_id"),
        API_TOKENS.c.read_only,
        API_TOKENS.c.expires,
        API_TOKENS.c.last_used,
        API_TOKENS.c.revoked,
        TOKEN_PROJECTS.c.project_id,
        USERS.c.id,
        USERS.c.username,
        USERS.c.is_admin,
        USERS.c.is_active,
        USERS.c.password_hash,
    )
    .join(USERS, USERS.c.id == API_TOKENS.c.user_id)
    .outerjoin(TOKEN_PROJECTS, TOKEN_PROJECTS.c.token_id == API_TOKENS.c.id)
    .where(API_TOKENS.c.secret_hash == bindparam("secret_hash"))
)

PREFIX = "pypi-"
USERNAME = "__token__"
KEY_FILE = "token.key"
MIN_KEY_LENGTH = 32
# last_used is written at most this often per token: a CI fleet reading
# with one token must not turn every read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(seconds=60)


def load_key(settings) -> bytes:
    """The token key: ``cheeseshop.token_key`` (``CHEESESHOP_TOKEN_KEY``),
    or, on the embedded default, a key file created in the data folder the
    first time it is needed. An index on a server (no data folder) must set
    it: tokens checked by several machines need the same key."""
    if settings.token_key:
        if len(settings.token_key) < MIN_KEY_LENGTH:
            raise ConfigurationError(
                f"cheeseshop.token_key is too short: use at least {MIN_KEY_LENGTH} random "
                "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return settings.token_key.encode()
    if settings.data_dir:
        return _key_file(os.path.join(settings.data_dir, KEY_FILE))
    raise ConfigurationError(
        "cheeseshop.token_key is not set (nor CHEESESHOP_TOKEN_KEY): set it to at least "
        f"{MIN_KEY_LENGTH} random characters, the same on every server, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )


def _key_file(path) -> bytes:
    try:
        with open(path, "rb") as file:
            key = file.read().strip()
        if len(key) >= MIN_KEY_LENGTH:
            return key
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_urlsafe(32).encode() + b"\n")
        file.flush()
        os.fsync(file.fileno())
    try:
        # Two workers starting at once: the first link wins, both read it.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
    with open(path, "rb") as file:
        return file.read().strip()


def keyed_hash(key: bytes, secret: str) -> str:
    return hmac.new(key, secret.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def is_token(username) -> bool:
    return username == USERNAME


@dataclasses.dataclass(frozen=True)
class TokenScope:
    """What a request authenticated by a token may do beyond reading."""

    id: int
    read_only: bool
    # None: any project its user may upload to.
    project_ids: frozenset[int] | None

    def allows_upload_to(self, project) -> bool:
        """``project``: a row or None (an upload that would create one, which
        a project-scoped token may not do, as on pypi.org)."""
        return self.upload_refusal(project, "") is None

    def upload_refusal(self, project, name) -> str | None:
        """Why this token may not upload to ``project`` (called ``name``), or None."""
        if self.read_only:
            return "This API token is read-only: it cannot upload."
        if self.project_ids is None or (project is not None and project.id in self.project_ids):
            return None
        return (
            f"This API token is scoped to other projects than {name!r}; "
            "a project-scoped token cannot create a project either."
        )


@dataclasses.dataclass(frozen=True)
class CheckedToken:
    user: object  # a row: id, username, is_admin, is_active, password_hash
    scope: TokenScope
    first_use: bool
    # Whether last_used is older than LAST_USED_RESOLUTION (or unset).
    stale: bool


def check(connection, key, secret, now=None) -> CheckedToken | None:
    """The token ``secret`` if it works now (not revoked, not expired, its
    user active); None otherwise. ``connection``: a Connection or Session."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    now = now or utcnow()
    rows = connection.execute(_CHECK, {"secret_hash": keyed_hash(key, secret)}).all()
    if not rows:
        return None
    token = rows[0]
    if token.revoked is not None or (token.expires is not None and token.expires <= now):
        return None
    if not token.is_active:
        return None
    project_ids = frozenset(row.project_id for row in rows if row.project_id is not None)
    scope = TokenScope(token.token_id, token.read_only, project_ids or None)
    stale = token.last_used is None or token.last_used <= now - LAST_USED_RESOLUTION
    return CheckedToken(token, scope, first_use=token.last_used is None, stale=stale)


def record_use(connection, token_id, now=None) -> bool:
    """Set the token's last use; False when another request did it first
    (within the resolution), so a first use is reported once."""
    now = now or utcnow()
    result = connection.execute(
        update(API_TOKENS)
        .where(
            API_TOKENS.c.id == token_id,
            (API_TOKENS.c.last_used.is_(None))
            | (API_TOKENS.c.last_used <= now - LAST_USED_RESOLUTION),
        )
        .values(last_used=now)
    )
    return result.rowcount == 1


def create_token(
    dbsession,
    key,
    username,
    *,
    projects=(),
    expires_in_days=None,
    read_only=False,
    description="",
    actor=None,
) -> tuple[ApiToken, str]:
    """A new token of ``username``: (its row, the token, to be shown once).
    ``actor``: who, for the audit log (None: the command line)."""
    user = find_user(dbsession, username)
    if user is None:
        raise AccountError(f"No user {username!r}.")
    if len(description) > ApiToken.description.type.length:
        raise AccountError(
            f"The description is too long: at most {ApiToken.description.type.length} characters."
        )
    scoped = []
    for name in projects:
        project = find_project(dbsession, name, lock=False)
        if project is None:
            raise AccountError(f"No project {name!r}: a token can be scoped to existing ones.")
        scoped.append(project)
    if read_only and scoped:
        raise AccountError(
            "A read-only token reads every project: it cannot be limited to some projects."
        )
    expires = None
    if expires_in_days is not None:
        if expires_in_days <= 0:
            raise AccountError("The expiry must be a whole number of days, 1 or more.")
        expires = utcnow() + datetime.timedelta(days=expires_in_days)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        secret_hash=keyed_hash(key, secret),
        description=description,
        read_only=read_only,
        expires=expires,
        projects=scoped,
    )
    dbsession.add(token)
    dbsession.flush()
    audit.record(
        dbsession,
        Event.TOKEN_CREATED,
        actor,
        user=user.username,
        detail=f"token {token.id}: {describe_scope(token)}"
        + (f", expires {expires:%Y-%m-%d %H:%M}" if expires else ""),
    )
    return token, secret


def list_tokens(dbsession, username) -> list[ApiToken]:
    user = find_user(dbsession, username)
    if user is None:
        raise AccountError(f"No user {username!r}.")
    return list(
        dbsession.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def find_token(dbsession, key, token_or_id) -> ApiToken:
    """A token by the token itself or by its id."""
    if token_or_id.startswith(PREFIX):
        token = dbsession.scalar(
            select(ApiToken).where(ApiToken.secret_hash == keyed_hash(key, token_or_id))
        )
        if token is None:
            raise AccountError("No such token (it may belong to another index).")
        return token
    if not token_or_id.isdigit():
        raise AccountError(
            f"{token_or_id!r} is neither a token (pypi-...) nor a token id "
            "(a number, as 'cheeseshop token list USER' shows)."
        )
    token = dbsession.get(ApiToken, int(token_or_id))
    if token is None:
        raise AccountError(f"No token with id {token_or_id}.")
    return token


def revoke(dbsession, token, now=None, actor=None) -> bool:
    """Revoke ``token``; False if it was revoked already."""
    if token.revoked is not None:
        return False
    token.revoked = now or utcnow()
    audit.record(
        dbsession, Event.TOKEN_REVOKED, actor, user=token.user.username, detail=f"token {token.id}"
    )
    return True


def describe_scope(token) -> str:
    if token.read_only:
        return "read-only"
    if token.projects:
        return "upload to " + ", ".join(p.name for p in token.projects)
    return "every project of its user"

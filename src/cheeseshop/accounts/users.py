"""Users and their passwords."""

import functools
import re
import threading

import argon2
from sqlalchemy import bindparam, func, select

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from cheeseshop.models.accounts import User

# OWASP's Argon2id parameters (19 MiB, 2 passes) rather than argon2-cffi's
# default 64 MiB: every upload verifies a password, and eight worker threads
# doing so at once must not cost half a gigabyte.
_hasher = argon2.PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# And at most two at a time per process: eight upload threads hashing at once
# would add 150 MiB to the server's peak memory for no gain on two cores.
_hashing = threading.BoundedSemaphore(2)
_verifications = 0
_counting = threading.Lock()
USERNAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$")


class AccountError(ValueError):
    """A request about accounts that cannot be done; ``str()`` says why."""


@functools.cache
def _dummy_hash():
    return _hasher.hash("a password nobody has")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(dbsession, username, password, email=None, admin=False, actor=None) -> User:
    """``actor``: who, for the audit log (None: the command line)."""
    if not USERNAME.match(username or ""):
        raise AccountError(
            f"Invalid username {username!r}: use letters, digits, '.', '_' and '-', "
            "starting and ending with a letter or digit, at most 50 characters."
        )
    _check_password(password)
    if find_user(dbsession, username) is not None:
        raise AccountError(f"User {username!r} already exists.")
    user = User(
        username=username, email=email, password_hash=hash_password(password), is_admin=admin
    )
    dbsession.add(user)
    dbsession.flush()
    audit.record(dbsession, Event.USER_ADDED, actor, user=username, detail="admin" if admin else "")
    return user


def _check_password(password):
    if not password:
        raise AccountError("The password must not be empty.")


def set_password(dbsession, username, password, actor=None) -> User:
    user = find_user(dbsession, username)
    if user is None:
        raise AccountError(f"No user {username!r}.")
    _check_password(password)
    user.password_hash = hash_password(password)
    audit.record(dbsession, Event.PASSWORD_CHANGED, actor, user=user.username)
    return user


def set_active(dbsession, username, active: bool, actor=None) -> User:
    """Enable or disable a user: a disabled user's password (every
    credential of theirs) stops working with the next request, in every
    worker, since each request reads the user anew."""
    user = find_user(dbsession, username)
    if user is None:
        raise AccountError(f"No user {username!r}.")
    if user.is_active != active:
        event = Event.USER_ENABLED if active else Event.USER_DISABLED
        audit.record(dbsession, event, actor, user=user.username)
    user.is_active = active
    return user


def list_users(dbsession, *, containing=None, offset=0, limit=None) -> list[User]:
    """Users by name; ``containing``: only those whose name holds that text
    (any case); ``offset`` and ``limit``: one page of them."""
    query = select(User).order_by(User.username)
    if containing:
        query = query.where(func.lower(User.username).contains(containing.lower(), autoescape=True))
    return list(dbsession.scalars(query.offset(offset).limit(limit)))


USERS = User.__table__
# A user as a request's identity needs it: built once (this runs on every
# private read), as a Core row, not an ORM object.
_USER_BY_ID = select(
    USERS.c.id, USERS.c.username, USERS.c.is_admin, USERS.c.is_active, USERS.c.password_hash
).where(USERS.c.id == bindparam("user_id"))


def user_by_id(connection, user_id):
    """The user ``user_id`` as a row (id, username, is_admin, is_active,
    password_hash), or None."""
    return connection.execute(_USER_BY_ID, {"user_id": user_id}).first()


def find_user(dbsession, username) -> User | None:
    return dbsession.scalar(select(User).where(User.username == username))


def authenticate(dbsession, username, password) -> User | None:
    """The active user with these credentials, or None."""
    user = find_user(dbsession, username)
    if user is None or not user.is_active:
        # Spend the same time as a real check, so timing tells nothing.
        _verify(_dummy_hash(), password)
        return None
    if not _verify(user.password_hash, password):
        return None
    return user


def password_verifications() -> int:
    """How many argon2 verifications this process has run since it started:
    what password checks cost, for metrics and for the login limits' tests."""
    return _verifications


def _verify(password_hash, password) -> bool:
    global _verifications
    with _hashing:
        with _counting:
            _verifications += 1
        try:
            return _hasher.verify(password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

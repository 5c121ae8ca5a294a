"""The audit log: one row per security-relevant event, never a secret.

Events of an action are recorded in the action's own transaction, so the log
holds exactly what happened: an upload that rolls back leaves no "upload"
row. Logins are recorded in short transactions of their own (the request's
may roll back, and a failed login changes nothing else).
"""

import dataclasses
import datetime
import getpass
import os

import packaging.utils
from sqlalchemy import insert, or_, select

from cheeseshop.models.accounts import AUDIT_EVENTS
from cheeseshop.models.timestamps import utcnow


class Event:
    """The events, as stored in ``audit_events.event``."""

    LOGIN = "login"
    LOGIN_FAILED = "login failed"
    TOKEN_CREATED = "token created"
    TOKEN_FIRST_USED = "token first used"
    TOKEN_REVOKED = "token revoked"
    ROLE_ADDED = "role added"
    ROLE_CHANGED = "role changed"
    ROLE_REMOVED = "role removed"
    USER_ADDED = "user added"
    USER_DISABLED = "user disabled"
    USER_ENABLED = "user enabled"
    PASSWORD_CHANGED = "password changed"
    UPLOAD = "upload"
    IMPORT = "import"  # a file that ``cheeseshop import`` added
    YANK = "yank"
    UNYANK = "unyank"
    REMOVE = "remove"
    STATUS_CHANGED = "status changed"
    CACHE_BLOCKED = "cache blocked"
    CACHE_UNBLOCKED = "cache unblocked"
    CACHE_PRUNED = "cache pruned"


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who acts, and from where: an index user from a client address, or an
    operator at the command line (``username`` None)."""

    username: str | None
    address: str

    @classmethod
    def command_line(cls) -> "Actor":
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = str(os.getuid())
        return cls(None, f"command line ({who})")

    @classmethod
    def of_request(cls, request, user=None) -> "Actor":
        return cls(user.username if user is not None else None, request.remote_addr or "")


def _cut(value, column):
    if value is None:
        return None
    return value[: AUDIT_EVENTS.c[column].type.length]


def record(connection, event, actor: Actor | None, *, user=None, project=None, detail="", now=None):
    """Add an event in ``connection``'s transaction (a Connection or
    Session). ``actor`` None: the operator at the command line. ``user``: the
    username the event is about; ``project``: the project's name (stored in
    normal form)."""
    if actor is None:
        actor = Actor.command_line()
    if project is not None:
        project = packaging.utils.canonicalize_name(project)
    connection.execute(
        insert(AUDIT_EVENTS).values(
            occurred=now or utcnow(),
            event=event,
            actor=_cut(actor.username, "actor"),
            address=_cut(actor.address, "address"),
            user=_cut(user, "user"),
            project=_cut(project, "project"),
            detail=detail,
        )
    )


def record_apart(engine, event, actor, **fields):
    """Add an event in a short transaction of its own on ``engine``."""
    with engine.begin() as connection:
        record(connection, event, actor, **fields)


def events(
    connection, *, username=None, project=None, since: datetime.datetime | None = None, limit=None
):
    """Events oldest first; ``username`` matches the actor or the user the
    event is about, ``project`` the project's name in any spelling."""
    query = select(AUDIT_EVENTS).order_by(AUDIT_EVENTS.c.occurred, AUDIT_EVENTS.c.id)
    if username is not None:
        query = query.where(or_(AUDIT_EVENTS.c.actor == username, AUDIT_EVENTS.c.user == username))
    if project is not None:
        project = packaging.utils.canonicalize_name(project)
        query = query.where(AUDIT_EVENTS.c.project == project)
    if since is not None:
        query = query.where(AUDIT_EVENTS.c.occurred >= since)
    if limit is not None:
        query = query.limit(limit)
    return connection.execute(query)

"""Limits on password guessing: failed logins, counted in the database.

Every worker answers from the same rows, so the limits hold however many
processes and machines serve the index. A password check is refused, before
any hash is computed, while

* the client address has ``max_failures_per_address`` failures within the
  window (one address trying many names), or
* the username has ``max_failures_per_user`` failures within the window and
  this address is one of those that failed for it (many addresses trying one
  name). An address that has not failed for that name still gets its check:
  the real user, elsewhere, is not locked out by an attacker.

Failures are counted by the username as typed, whether or not such a user
exists, so a refusal never tells which names are real. A limit of 0 turns it
off; a window of 0 turns both off (and nothing is recorded).

All times are the workers' clocks in naive UTC, as every timestamp of the
index is; skew between machines shifts the window's edges by as much.
"""

import dataclasses
import datetime
import math

from sqlalchemy import delete, func, insert, select

from cheeseshop.models.accounts import LOGIN_FAILURES
from cheeseshop.models.timestamps import utcnow

# Names and addresses are stored (and looked up) cut to the columns' size: a
# longer name can name no user, and sharing a counter with names of the same
# first 100 characters costs an attacker nothing they could not spend anyway.
USERNAME_LENGTH = LOGIN_FAILURES.c.username.type.length
ADDRESS_LENGTH = LOGIN_FAILURES.c.address.type.length


@dataclasses.dataclass(frozen=True)
class LoginLimits:
    max_failures_per_address: int
    max_failures_per_user: int
    window: int  # seconds

    @classmethod
    def from_settings(cls, settings) -> "LoginLimits":
        """From :class:`cheeseshop.settings.Settings`."""
        return cls(
            max_failures_per_address=settings.login_max_failures_per_address,
            max_failures_per_user=settings.login_max_failures_per_user,
            window=settings.login_failure_window,
        )

    @property
    def enabled(self) -> bool:
        return self.window > 0 and bool(self.max_failures_per_address or self.max_failures_per_user)


def _keys(username, address):
    return username[:USERNAME_LENGTH], (address or "")[:ADDRESS_LENGTH]


def _newest_failures(connection, condition, since, limit):
    """The times of the ``limit`` newest failures matching ``condition``
    within the window, newest first (an index range scan, read backwards)."""
    return (
        connection.execute(
            select(LOGIN_FAILURES.c.failed_at)
            .where(condition, LOGIN_FAILURES.c.failed_at > since)
            .order_by(LOGIN_FAILURES.c.failed_at.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def seconds_to_wait(connection, limits, username, address, now=None) -> int | None:
    """None when a password check for ``username`` from ``address`` may go
    ahead; otherwise the whole seconds until it may (at least 1).

    ``connection`` is a Connection or Session; reading is enough, so the read
    connection does.
    """
    if not limits.enabled:
        return None
    username, address = _keys(username, address)
    now = now or utcnow()
    window = datetime.timedelta(seconds=limits.window)
    since = now - window
    # When each refusal that applies is lifted; all of them must be.
    releases = []
    if limits.max_failures_per_address:
        times = _newest_failures(
            connection,
            LOGIN_FAILURES.c.address == address,
            since,
            limits.max_failures_per_address,
        )
        if len(times) >= limits.max_failures_per_address:
            # The count drops below the limit when the oldest of these leaves.
            releases.append(times[-1] + window)
    if limits.max_failures_per_user:
        times = _newest_failures(
            connection,
            LOGIN_FAILURES.c.username == username,
            since,
            limits.max_failures_per_user,
        )
        if len(times) >= limits.max_failures_per_user:
            own = connection.execute(
                select(func.max(LOGIN_FAILURES.c.failed_at)).where(
                    LOGIN_FAILURES.c.username == username,
                    LOGIN_FAILURES.c.address == address,
                    LOGIN_FAILURES.c.failed_at > since,
                )
            ).scalar()
            if own is not None:
                # Lifted when the name's count drops below the limit, or when
                # this address's own failures for it have all left the window.
                releases.append(min(times[-1], own) + window)
    if not releases:
        return None
    return max(1, math.ceil((max(releases) - now).total_seconds()))


def record_failure(engine, limits, username, address, now=None):
    """Count a failed password check, in a short transaction of its own on
    ``engine`` (the write engine), and delete the failures that have left the
    window, so the table holds about one window's worth of rows."""
    if not limits.enabled:
        return
    username, address = _keys(username, address)
    now = now or utcnow()
    since = now - datetime.timedelta(seconds=limits.window)
    with engine.begin() as connection:
        connection.execute(delete(LOGIN_FAILURES).where(LOGIN_FAILURES.c.failed_at <= since))
        connection.execute(
            insert(LOGIN_FAILURES).values(username=username, address=address, failed_at=now)
        )

"""The counting behind the limits on password guessing, on a real database
(SQLite and PostgreSQL), at chosen times."""

import datetime

import pytest
from sqlalchemy import select

from cheeseshop.accounts.login_limits import LoginLimits, record_failure, seconds_to_wait
from cheeseshop.models.accounts import LOGIN_FAILURES

NOW = datetime.datetime(2026, 11, 27, 12, 0, 0)
# 3 failures per address, 2 per username, within a minute.
LIMITS = LoginLimits(max_failures_per_address=3, max_failures_per_user=2, window=60)


def ago(seconds):
    return NOW - datetime.timedelta(seconds=seconds)


def fail(engine, username, address, seconds_ago, limits=LIMITS):
    record_failure(engine, limits, username, address, now=ago(seconds_ago))


def wait(engine, username, address, limits=LIMITS):
    with engine.connect() as connection:
        return seconds_to_wait(connection, limits, username, address, now=NOW)


def rows(engine):
    with engine.connect() as connection:
        return connection.execute(
            select(LOGIN_FAILURES.c.username, LOGIN_FAILURES.c.address).order_by(
                LOGIN_FAILURES.c.id
            )
        ).all()


def test_nothing_recorded_nothing_refused(engine):
    assert wait(engine, "alice", "10.0.0.1") is None


def test_address_limit_whatever_the_names(engine):
    fail(engine, "alice", "10.0.0.1", 50)
    fail(engine, "bob", "10.0.0.1", 40)
    assert wait(engine, "carol", "10.0.0.1") is None
    fail(engine, "carol", "10.0.0.1", 10)
    # The count drops below 3 when the failure of 50 s ago leaves the window.
    assert wait(engine, "dave", "10.0.0.1") == 10
    assert wait(engine, "dave", "10.0.0.2") is None


def test_retry_after_counts_from_the_oldest_failure_that_matters(engine):
    for seconds_ago in (55, 50, 30, 20):
        fail(engine, f"user{seconds_ago}", "10.0.0.1", seconds_ago)
    # Four failures, limit three: the count drops below it when the third
    # newest (50 s ago) leaves, not the oldest.
    assert wait(engine, "x", "10.0.0.1") == 10


def test_user_limit_only_for_addresses_that_failed_for_that_user(engine):
    fail(engine, "alice", "10.0.0.1", 50)
    fail(engine, "alice", "10.0.0.1", 40)
    # The count drops below 2 when the failure of 50 s ago leaves.
    assert wait(engine, "alice", "10.0.0.1") == 10
    # The real alice, elsewhere, still gets her password checked.
    assert wait(engine, "alice", "10.0.0.2") is None
    assert wait(engine, "bob", "10.0.0.1") is None


def test_user_limit_lifted_by_whichever_comes_first(engine):
    fail(engine, "alice", "10.0.0.1", 55)
    fail(engine, "alice", "10.0.0.2", 30)
    fail(engine, "alice", "10.0.0.2", 20)
    # alice has 3 >= 2 failures; 10.0.0.1's own leaves in 5 s, before the
    # count drops below 2 (in 30 s).
    assert wait(engine, "alice", "10.0.0.1") == 5
    # 10.0.0.2's own last until 40 s from now, the count only 30 s.
    assert wait(engine, "alice", "10.0.0.2") == 30


def test_both_limits_must_be_lifted(engine):
    limits = LoginLimits(max_failures_per_address=2, max_failures_per_user=2, window=60)
    fail(engine, "alice", "10.0.0.1", 50, limits)  # address: lifted in 10 s
    fail(engine, "alice", "10.0.0.1", 5, limits)
    fail(engine, "alice", "10.0.0.2", 1, limits)
    fail(engine, "alice", "10.0.0.2", 1, limits)  # user: lifted in 55 s for .1
    assert wait(engine, "alice", "10.0.0.1", limits) == 55


def test_failures_older_than_the_window_do_not_count(engine):
    fail(engine, "alice", "10.0.0.1", 61)
    fail(engine, "alice", "10.0.0.1", 60)  # exactly the window: gone
    fail(engine, "alice", "10.0.0.1", 59)
    assert wait(engine, "alice", "10.0.0.1") is None
    fail(engine, "alice", "10.0.0.1", 58)
    assert wait(engine, "alice", "10.0.0.1") == 1


def test_a_wait_is_at_least_one_second(engine):
    fail(engine, "alice", "10.0.0.1", 59.9)
    fail(engine, "alice", "10.0.0.1", 59.8)
    assert wait(engine, "alice", "10.0.0.1") == 1


def test_recording_deletes_the_expired_failures_of_everyone(engine):
    for n in range(5):
        fail(engine, f"user{n}", f"10.0.0.{n}", 120)
    fail(engine, "alice", "10.0.0.9", 70)  # those of 120 s ago were in its window
    assert len(rows(engine)) == 6
    fail(engine, "carol", "10.0.0.7", 30)
    assert rows(engine) == [("alice", "10.0.0.9"), ("carol", "10.0.0.7")]
    fail(engine, "bob", "10.0.0.8", 0)
    assert rows(engine) == [("carol", "10.0.0.7"), ("bob", "10.0.0.8")]


def test_zero_turns_a_limit_off(engine):
    only_users = LoginLimits(max_failures_per_address=0, max_failures_per_user=2, window=60)
    for n in range(5):
        fail(engine, f"user{n}", "10.0.0.1", 10, only_users)
    assert wait(engine, "x", "10.0.0.1", only_users) is None
    only_addresses = LoginLimits(max_failures_per_address=3, max_failures_per_user=0, window=60)
    assert wait(engine, "x", "10.0.0.1", only_addresses) == 50


def test_a_zero_window_turns_everything_off(engine):
    off = LoginLimits(max_failures_per_address=1, max_failures_per_user=1, window=0)
    fail(engine, "alice", "10.0.0.1", 0, off)
    assert rows(engine) == []
    assert wait(engine, "alice", "10.0.0.1", off) is None


def test_names_and_addresses_longer_than_the_columns(engine):
    # Any text a client sends fits (PostgreSQL refuses a too long value),
    # and the same long name keeps meeting its own count.
    name, address = "n" * 5000, "a" * 5000
    fail(engine, name, address, 10)
    fail(engine, name, address, 5)
    assert wait(engine, name, address) == 50
    assert wait(engine, "n" * 100 + "x", "a" * 100 + "y") == 50  # cut to 100: the same key


@pytest.mark.parametrize("address", [None, ""])
def test_an_unknown_address_is_one_address(engine, address):
    fail(engine, "alice", address, 10)
    fail(engine, "alice", address, 5)
    assert wait(engine, "alice", "") == 50

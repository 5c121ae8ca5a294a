"""Password guessing against the upload API: failed logins are limited per
client address and per username (429, Retry-After), a refused attempt costs
no hash, the answer never tells whether a user exists, and the real user
elsewhere keeps working. The counters are in the database, shared by every
worker."""

import base64
import contextlib
import datetime
import re
import time

import pytest
import sqlalchemy
import webtest
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import Engine

from cheeseshop.accounts.users import password_verifications
from cheeseshop.app import main
from cheeseshop.models.accounts import LOGIN_FAILURES
from tests import factories
from tests.factories import basic_auth, upload_form

PER_ADDRESS = 5
PER_USER = 3
WINDOW = 900
ATTACKER = "10.0.0.1"
ELSEWHERE = "10.0.0.2"
MESSAGE = re.compile(r"^Too many failed logins; try again in (\d+) seconds?\.$")


@pytest.fixture
def settings(settings):
    return {
        **settings,
        "cheeseshop.login.max_failures_per_address": str(PER_ADDRESS),
        "cheeseshop.login.max_failures_per_user": str(PER_USER),
        "cheeseshop.login.failure_window": str(WINDOW),
    }


def attempt(testapp, username, password, address=ATTACKER, status=403, headers=None):
    """An upload of demo 1.0 from ``address``."""
    params, files = upload_form(
        "demo", "1.0", factories.wheel_filename("demo", "1.0"), factories.wheel("demo", "1.0")
    )
    return testapp.post(
        "/legacy/",
        params,
        upload_files=files,
        headers={**basic_auth((username, password)), **(headers or {})},
        extra_environ={"REMOTE_ADDR": address},
        status=status,
    )


def assert_throttled(response):
    """429, the same words in the status line and the body, and Retry-After:
    the seconds until the oldest counted failure leaves the window."""
    assert response.status_int == 429
    reason = response.status.removeprefix("429 ")
    match = MESSAGE.match(reason)
    assert match, response.status
    assert response.text == reason + "\n"
    retry_after = int(response.headers["Retry-After"])
    assert retry_after == int(match.group(1))
    assert WINDOW - 60 < retry_after <= WINDOW
    return retry_after


def failures(engine):
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(LOGIN_FAILURES)).scalar()


def age_failures(engine, seconds):
    """Move every recorded failure ``seconds`` into the past."""
    with engine.begin() as connection:
        rows = connection.execute(select(LOGIN_FAILURES.c.id, LOGIN_FAILURES.c.failed_at)).all()
        for row_id, failed_at in rows:
            connection.execute(
                update(LOGIN_FAILURES)
                .where(LOGIN_FAILURES.c.id == row_id)
                .values(failed_at=failed_at - datetime.timedelta(seconds=seconds))
            )


def test_wrong_passwords_are_limited_and_refusals_cost_no_hash(testapp, alice, engine, snapshot):
    before = password_verifications()
    for _ in range(PER_USER):
        response = attempt(testapp, "alice", "guess")
        assert "Invalid or non-existent authentication" in response.status
    assert password_verifications() - before == PER_USER
    assert failures(engine) == PER_USER

    recorded = snapshot()
    for _ in range(20):
        assert_throttled(attempt(testapp, "alice", "guess", status=429))
    # Not one more argon2 verification, nothing written.
    assert password_verifications() - before == PER_USER
    assert snapshot() == recorded


def test_the_right_password_from_the_guessing_address_is_refused_too(testapp, alice):
    for _ in range(PER_USER):
        attempt(testapp, "alice", "guess")
    before = password_verifications()
    assert_throttled(attempt(testapp, *alice, status=429))
    assert password_verifications() == before


def test_the_real_user_elsewhere_keeps_working(testapp, alice, engine):
    for _ in range(PER_USER):
        attempt(testapp, "alice", "guess")
    attempt(testapp, *alice, address=ELSEWHERE, status=200)
    assert_throttled(attempt(testapp, *alice, status=429))
    # A guess from the second address is checked (and counted) once; after
    # that, that address is refused for alice as well.
    attempt(testapp, "alice", "guess", address=ELSEWHERE, status=403)
    assert_throttled(attempt(testapp, "alice", "guess", address=ELSEWHERE, status=429))
    # Other users from the guessing address are not held up by alice's limit.
    attempt(testapp, "bob", "guess", address=ATTACKER, status=403)


def test_an_unknown_user_gets_exactly_the_same_answers(testapp, alice):
    def answers(username, address):
        seen = []
        for _ in range(PER_USER + 2):
            response = attempt(testapp, username, "guess", address=address, status="*")
            seen.append(
                (
                    response.status_int,
                    re.sub(r"\d+", "N", response.status),
                    re.sub(r"\d+", "N", response.text),
                    sorted(response.headers),
                    response.headers.get("Retry-After"),
                )
            )
        return seen

    before = password_verifications()
    known = answers("alice", ATTACKER)
    unknown = answers("nobody-by-that-name", ELSEWHERE)
    assert [a[:4] for a in known] == [a[:4] for a in unknown]
    assert [a[0] for a in known] == [403] * PER_USER + [429] * 2
    for mine, theirs in zip(known, unknown, strict=True):
        if mine[4] is not None:
            assert abs(int(mine[4]) - int(theirs[4])) <= 2
    # The same cost too: one verification per counted failure, none after.
    assert password_verifications() - before == 2 * PER_USER


def test_one_address_trying_many_names(testapp, alice, bob):
    before = password_verifications()
    for n in range(PER_ADDRESS):
        attempt(testapp, f"user{n}", "guess")
    for username, password in [("someone-else", "guess"), ("bob", "guess"), alice]:
        assert_throttled(attempt(testapp, username, password, status=429))
    assert password_verifications() - before == PER_ADDRESS
    # Another address is not concerned.
    attempt(testapp, *alice, address=ELSEWHERE, status=200)


def test_a_forged_forwarded_for_header_is_still_the_same_address(testapp):
    for n in range(PER_ADDRESS):
        attempt(testapp, f"user{n}", "guess", headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert_throttled(
        attempt(testapp, "user9", "guess", headers={"X-Forwarded-For": "192.0.2.99"}, status=429)
    )


def test_failures_older_than_the_window_no_longer_count(testapp, alice, engine):
    for _ in range(PER_USER):
        attempt(testapp, "alice", "guess")
    assert_throttled(attempt(testapp, *alice, status=429))
    age_failures(engine, WINDOW - 5)
    response = attempt(testapp, *alice, status=429)
    assert 1 <= int(response.headers["Retry-After"]) <= 5
    age_failures(engine, 5)
    attempt(testapp, *alice, status=200)


def test_the_window_setting_in_real_time(settings, alice, engine):
    testapp = webtest.TestApp(main({}, **{**settings, "cheeseshop.login.failure_window": "1"}))
    for _ in range(PER_USER):
        attempt(testapp, "alice", "guess")
    response = attempt(testapp, *alice, status=(200, 429))
    if response.status_int == 429:  # unless a slow machine took a second already
        assert response.headers["Retry-After"] == "1"
        assert response.status == "429 Too many failed logins; try again in 1 second."
    time.sleep(1.1)
    attempt(testapp, *alice, status=200)


def test_expired_failures_are_deleted(testapp, engine):
    for n in range(PER_ADDRESS):
        attempt(testapp, f"user{n}", "guess", address=f"10.1.0.{n}")
    assert failures(engine) == PER_ADDRESS
    age_failures(engine, WINDOW + 1)
    attempt(testapp, "someone", "guess", address="10.2.0.1")
    assert failures(engine) == 1


def test_reads_never_check_a_password(testapp, alice, engine):
    for _ in range(PER_USER):
        attempt(testapp, "alice", "guess")
    attempt(testapp, "alice", "guess", status=429)
    before = password_verifications()
    for username in ("alice", "nobody"):
        for path in ("/simple/", "/"):
            testapp.get(
                path,
                headers=basic_auth((username, "guess")),
                extra_environ={"REMOTE_ADDR": ATTACKER},
                status=200,
            )
    assert password_verifications() == before
    assert failures(engine) == PER_USER


def test_the_counters_are_shared_by_every_worker(settings, alice):
    # Two apps on one database, as two worker processes are.
    first = webtest.TestApp(main({}, **settings))
    second = webtest.TestApp(main({}, **settings))
    for _ in range(PER_USER):
        attempt(first, "alice", "guess")
    assert_throttled(attempt(second, "alice", "guess", status=429))


def test_credentials_no_user_can_have(testapp, engine):
    # NUL in a name: no database could look it up; no check, no count.
    token = base64.b64encode(b"ali\x00ce:guess").decode()
    testapp.post(
        "/legacy/",
        {":action": "file_upload"},
        headers={"Authorization": f"Basic {token}"},
        status=403,
    )
    # A name longer than any username's column: checked and counted like
    # any other.
    for _ in range(PER_USER):
        attempt(testapp, "x" * 10_000, "guess")
    assert_throttled(attempt(testapp, "x" * 10_000, "guess", status=429))
    assert failures(engine) == PER_USER


@contextlib.contextmanager
def captured_statements():
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "login_failures" in statement and not executemany:
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", capture)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_limits_use_indexes(testapp, database_url):
    with captured_statements() as statements:
        for _ in range(PER_USER):
            attempt(testapp, "alice", "guess")
        attempt(testapp, "alice", "guess", status=429)
    kinds = {statement.split()[0] for statement, _ in statements}
    assert kinds == {"SELECT", "DELETE", "INSERT"}
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            for statement, parameters in statements:
                if statement.startswith("INSERT"):
                    continue
                plan = "\n".join(
                    row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)
                )
                assert "Seq Scan" not in plan, f"{statement}\n{plan}"
    finally:
        engine.dispose()

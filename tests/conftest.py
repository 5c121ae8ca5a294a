"""Fixtures shared by the whole suite.

Every test that touches the database runs twice: on SQLite and on a real
PostgreSQL (``scripts/postgres.sh`` starts it; ``CHEESESHOP_TEST_POSTGRESQL``
overrides its URL). Both schemas are built by ``alembic upgrade head``, so
every run exercises the migrations.
"""

import os
import shutil
import sqlite3
import uuid

import pytest
import sqlalchemy
import transaction
import webtest
from sqlalchemy.engine import Engine

from cheeseshop.accounts.audit import Event
from cheeseshop.app import main
from cheeseshop.db import migrations
from cheeseshop.db.engines import get_engine
from cheeseshop.db.sessions import get_session_factory, get_tm_session
from cheeseshop.models.meta import Base
from cheeseshop.settings import load as load_settings
from tests import factories
from tests.factories import PASSWORD

TOKEN_KEY = "a test key, not secret, 32 characters or more"
POSTGRESQL_URL = os.environ.get(
    "CHEESESHOP_TEST_POSTGRESQL",
    "postgresql+psycopg://cheeseshop:cheeseshop@127.0.0.1:5432/cheeseshop_test",
)


@pytest.fixture(scope="session")
def postgresql_server():
    """The URL of the test PostgreSQL server (``CHEESESHOP_TEST_POSTGRESQL``),
    for tests that make databases of their own on it."""
    return POSTGRESQL_URL


@pytest.fixture(autouse=True)
def dispose_engines():
    """At the end of each test, dispose every SQLAlchemy engine that connected
    during it. The apps and SQL storages tests make hold connection pools that
    nothing else closes, and a psycopg connection left to the garbage
    collector is a ResourceWarning (an error, see setup.cfg)."""
    engines = {}

    def connected(connection):
        engines[id(connection.engine)] = connection.engine

    sqlalchemy.event.listen(Engine, "engine_connect", connected)
    try:
        yield
    finally:
        sqlalchemy.event.remove(Engine, "engine_connect", connected)
        for engine in engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "cheeseshop.sqlite"
    migrations.upgrade(f"sqlite:///{path}")
    # Fold the write-ahead log into the file, so a copy of it is complete.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def postgresql_database():
    """A database of this test session's own on the PostgreSQL server, so
    that concurrent runs never share tables; dropped at the end."""
    admin_url = sqlalchemy.engine.make_url(POSTGRESQL_URL)
    name = f"{admin_url.database}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sqlalchemy.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRESQL_URL}: run scripts/postgres.sh "
            f"(the test command does) ({exc})"
        )
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        migrations.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def empty_postgresql_database(postgresql_database):
    """The session's PostgreSQL database, its tables emptied for this test."""
    engine = sqlalchemy.create_engine(postgresql_database)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    return postgresql_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "cheeseshop.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield request.getfixturevalue("empty_postgresql_database")


@pytest.fixture
def files_dir(tmp_path):
    path = tmp_path / "files"
    path.mkdir()
    return path


@pytest.fixture
def settings(database_url, files_dir):
    return {
        "sqlalchemy.url": database_url,
        "cheeseshop.storage": "filesystem",
        "cheeseshop.storage.path": str(files_dir),
        "cheeseshop.token_key": TOKEN_KEY,
    }


@pytest.fixture
def app(settings):
    return main({}, **settings)


@pytest.fixture
def testapp(app):
    return webtest.TestApp(app)


@pytest.fixture
def engine(settings):
    engine = get_engine(load_settings(settings))
    yield engine
    engine.dispose()


@pytest.fixture
def tm():
    manager = transaction.TransactionManager(explicit=True)
    return manager


@pytest.fixture
def session_factory(engine):
    return get_session_factory(engine)


@pytest.fixture
def dbsession(session_factory, tm):
    """A session joined to ``tm``: ``with tm:`` commits, as pyramid_tm does."""
    return get_tm_session(session_factory, tm)


@pytest.fixture
def make_user(session_factory):
    """make_user(username="alice", password=PASSWORD, admin=False) -> the id
    of a committed user."""

    def make(username="alice", password=PASSWORD, admin=False):
        return factories.user(session_factory, username, password, admin=admin)

    return make


@pytest.fixture
def alice(make_user):
    make_user("alice")
    return ("alice", PASSWORD)


@pytest.fixture
def bob(make_user):
    make_user("bob")
    return ("bob", PASSWORD)


@pytest.fixture
def snapshot(engine, files_dir):
    """What the index holds: row counts and stored files, to prove a rejected
    request changed nothing."""

    def take():
        with engine.connect() as connection:
            counts = {
                table.name: connection.execute(_content(table)).scalar()
                for table in Base.metadata.sorted_tables
                # Failed logins are counted on purpose: attempts, not content.
                if table.name != "login_failures"
            }
        return counts, factories.stored_files(files_dir)

    return take


def _content(table):
    """Counts a table's rows; of the audit log, those that record a change
    (logins are recorded whatever the request then does)."""
    query = sqlalchemy.select(sqlalchemy.func.count()).select_from(table)
    if table.name == "audit_events":
        query = query.where(table.c.event.not_in(LOGIN_EVENTS))
    return query


LOGIN_EVENTS = (Event.LOGIN, Event.LOGIN_FAILED, Event.TOKEN_FIRST_USED)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server over HTTP on a free loopback port: boto3 talks to it
    exactly as to AWS."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"moto server did not start on {endpoint}")
            time.sleep(0.2)
    try:
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture
def s3_bucket(s3_endpoint, monkeypatch):
    """A new, empty bucket on the moto server; its settings."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"cheeseshop-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return {
        "cheeseshop.storage": "s3",
        "cheeseshop.storage.bucket": name,
        "cheeseshop.storage.endpoint_url": s3_endpoint,
        "cheeseshop.storage.region": "us-east-1",
    }


@pytest.fixture(params=["filesystem", "sql", "s3"])
def backend_settings(request, settings):
    """``settings`` on each storage backend: a folder, the database, S3 (moto)."""
    if request.param == "sql":
        return {**settings, "cheeseshop.storage": "sql"}
    if request.param == "s3":
        return {**settings, **request.getfixturevalue("s3_bucket")}
    return settings

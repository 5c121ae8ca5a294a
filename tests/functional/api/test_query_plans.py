"""Every query a page or an upload runs is answered from an index on
PostgreSQL: no sequential scan of projects, releases or files, whatever the
index's size. Seq scans are disabled for the EXPLAIN, so a plan that still
scans has no index to use."""

import contextlib
import re

import pytest
import sqlalchemy
import transaction
import webtest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from cheeseshop.accounts import tokens
from cheeseshop.app import main
from cheeseshop.db.sessions import get_session_factory, get_tm_session
from tests.conftest import TOKEN_KEY
from tests.factories import basic_auth, upload

SCANNED = re.compile(
    r"Seq Scan on (projects|releases|files|roles|users|blobs|blob_chunks|api_tokens"
    r"|api_token_projects|login_failures|search_documents|project_classifiers"
    r"|journal_entries)\b"
)


@contextlib.contextmanager
def captured_selects():
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", capture)


def seq_scans(database_url, statements):
    engine = sqlalchemy.create_engine(database_url)
    found = []
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            for statement, parameters in statements:
                plan = "\n".join(
                    row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)
                )
                if SCANNED.search(plan):
                    found.append(f"{statement}\n{plan}")
    finally:
        engine.dispose()
    return found


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_pages_and_uploads_use_indexes(testapp, alice, database_url):
    for name in ("alpha", "beta"):
        upload(testapp, alice, name, "1.0")
    with captured_selects() as statements:
        upload(testapp, alice, "alpha", "2.0", kind="wheel")
        upload(testapp, alice, "alpha", "2.0", kind="sdist")
        testapp.get("/simple/alpha/")
        page = testapp.get(
            "/simple/alpha/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        testapp.get("/pypi/alpha/json")
        testapp.get("/pypi/alpha/2.0/json")
        url = page.json["files"][0]["url"]
        testapp.get(url[url.index("/packages/") :])
    assert len(statements) >= 10
    assert seq_scans(database_url, statements) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_search_uses_indexes(testapp, alice, database_url):
    python, flask = "Programming Language :: Python :: 3", "Framework :: Flask"
    for name in ("alpha", "beta", "alpha-beta"):
        upload(testapp, alice, name, "1.0", summary="A widget", classifiers=[python, flask])
    html = {"Accept": "text/html"}
    with captured_selects() as statements:
        testapp.get("/search/?q=widget", headers=html)
        testapp.get("/search/?q=alpha&page=2", headers=html)  # the name, first
        testapp.get("/search/", {"q": "widget alpha", "c": [python, flask]}, headers=html)
        testapp.get("/search/", {"c": [flask, python]}, headers=html)  # no words
    searches = [s for s in statements if "search_documents" in s[0]]
    assert len(searches) >= 8
    assert seq_scans(database_url, statements) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_private_reads_and_token_uploads_use_indexes(settings, alice, database_url):
    app = webtest.TestApp(main({}, **settings, **{"cheeseshop.read_access": "authenticated"}))
    manager = transaction.TransactionManager(explicit=True)
    engine = sqlalchemy.create_engine(database_url)
    try:
        with manager:
            session = get_tm_session(get_session_factory(engine), manager)
            upload(app, alice, "alpha", "1.0")
            _, scoped = tokens.create_token(
                session, TOKEN_KEY.encode(), "alice", projects=["alpha"]
            )
    finally:
        engine.dispose()
    with captured_selects() as statements:
        upload(app, ("__token__", scoped), "alpha", "2.0")
        app.get("/simple/alpha/", headers=basic_auth(("__token__", scoped)))
        app.get("/simple/alpha/", headers=basic_auth(alice))
        app.get("/simple/alpha/", headers=basic_auth(alice))  # remembered
        app.get("/simple/alpha/", headers=basic_auth(("alice", "wrong")), status=401)
    assert len(statements) >= 8
    assert seq_scans(database_url, statements) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_check_sees_an_unindexed_query(database_url):
    assert seq_scans(database_url, [("SELECT id FROM files WHERE size = %(size)s", {"size": 5})])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_xmlrpc_and_feeds_use_indexes(testapp, alice, database_url):
    import time
    import xmlrpc.client

    for name in ("alpha", "beta"):
        upload(testapp, alice, name, "1.0")
    calls = [
        ("package_releases", ("alpha", True)),
        ("release_urls", ("alpha", "1.0")),
        ("release_data", ("alpha", "1.0")),
        ("package_roles", ("alpha",)),
        ("user_packages", ("alice",)),
        ("changelog_last_serial", ()),
        ("changelog_since_serial", (3,)),
        ("changelog", (int(time.time()) - 60, True)),
    ]
    with captured_selects() as statements:
        for method, args in calls:
            testapp.post("/RPC2", xmlrpc.client.dumps(args, method).encode())
        testapp.get("/rss/updates.xml")
        testapp.get("/rss/packages.xml")
        testapp.get("/rss/project/alpha/releases.xml")
    assert len(statements) >= 12
    assert seq_scans(database_url, statements) == []

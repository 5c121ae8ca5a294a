"""Public reads answered again from the kept response after one query
(:mod:`cheeseshop.api.replay`): the same bytes as Pyramid's answer, never
one that a change has made stale, in this worker or from another."""

import contextlib
import os
import subprocess
import sys
import urllib.parse

import pytest
import sqlalchemy
import webob
import webtest

from cheeseshop.app import main
from cheeseshop.catalog import projects, releases
from tests import factories
from tests.factories import basic_auth, upload
from tests.functional.api.test_json_api_no_release import remove_release

V1_JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@pytest.fixture
def published(testapp, alice):
    upload(testapp, alice, "Demo.Pkg", "1.0")
    return testapp.get("/simple/demo-pkg/", headers=V1_JSON).json


@contextlib.contextmanager
def statements(app):
    """The statements the read path runs through SQLAlchemy meanwhile: none
    when every request was answered from a kept response."""
    seen = []
    engine = app.registry["db_read_engine"]

    def executed(conn, cursor, statement, *args):
        seen.append(statement)

    sqlalchemy.event.listen(engine, "before_cursor_execute", executed)
    try:
        yield seen
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", executed)


def raw(app, path, **headers):
    """The response as the client gets it: status, headers, body bytes."""
    response = webob.Request.blank(path, headers=headers).get_response(app)
    return response.status, sorted(response.headerlist), response.body


def file_path(document, suffix=".whl"):
    (url,) = [f["url"] for f in document["files"] if f["filename"].endswith(suffix)]
    return urllib.parse.urlsplit(url).path


def reads(document):
    wheel = file_path(document)
    return [
        ("/simple/", {}),
        ("/simple/", {"Accept-Encoding": "gzip"}),
        ("/simple/", V1_JSON),
        ("/simple/demo-pkg/", {}),
        ("/simple/demo-pkg/", V1_JSON),
        ("/simple/demo-pkg/?format=application/vnd.pypi.simple.v1%2Bjson", {}),
        ("/pypi/demo-pkg/json", {}),
        ("/pypi/demo-pkg/1.0/json", {}),
        (wheel, {}),
        (wheel + ".metadata", {}),
    ]


def test_a_repeated_read_is_the_same_answer_without_the_read_path(app, published):
    for path, headers in reads(published):
        # (The root list's first read streams; the next has the whole list.)
        raw(app, path, **headers)
        first = raw(app, path, **headers)
        assert first[0] == "200 OK", path
        with statements(app) as seen:
            again = raw(app, path, **headers)
        assert again == first, path
        assert seen == [], path


def test_head_and_304_are_kept_apart_from_get(app, published):
    get = raw(app, "/simple/demo-pkg/")
    etag = dict(get[1])["ETag"]
    head = webob.Request.blank("/simple/demo-pkg/", method="HEAD").get_response(app)
    assert head.body == b"" and head.content_length == len(get[2])
    for _ in range(2):
        with statements(app) as seen:
            again = webob.Request.blank("/simple/demo-pkg/", method="HEAD").get_response(app)
        assert (again.status, again.body, again.content_length) == ("200 OK", b"", len(get[2]))
        assert seen == []
        with statements(app) as seen:
            not_modified = raw(app, "/simple/demo-pkg/", **{"If-None-Match": etag})
        assert not_modified[0] == "304 Not Modified" and not_modified[2] == b""
        assert dict(not_modified[1])["ETag"] == etag
    # The second 304 came from the kept one.
    assert seen == []
    # A different format is another page, never the HTML one replayed.
    assert raw(app, "/simple/demo-pkg/", **V1_JSON)[2].startswith(b"{")


def test_every_change_is_seen_by_the_very_next_read(
    app, testapp, alice, published, settings, session_factory, dbsession, tm
):
    wheel = file_path(published)
    sdist_name, _ = factories.distribution("Demo.Pkg", "1.0", "sdist")
    for path, headers in reads(published):
        raw(app, path, **headers)  # kept

    upload(testapp, alice, "Demo.Pkg", "1.1")
    upload(testapp, alice, "Other", "1.0")
    assert "demo_pkg-1.1-py3-none-any.whl" in raw(app, "/simple/demo-pkg/")[2].decode()
    assert [v for v in testapp.get("/pypi/demo-pkg/json").json["releases"]] == ["1.0", "1.1"]
    assert "other" in raw(app, "/simple/")[2].decode()

    with tm:
        releases.yank(dbsession, "demo-pkg", "1.0", reason="broken")
    assert 'data-yanked="broken"' in raw(app, "/simple/demo-pkg/")[2].decode()
    assert testapp.get("/pypi/demo-pkg/1.0/json").json["info"]["yanked"] is True

    with tm:
        projects.set_status(dbsession, "demo-pkg", "quarantined", reason="malware report")
    testapp.get(wheel, status=404)
    testapp.get(wheel + ".metadata", status=404)
    assert testapp.get("/simple/demo-pkg/", headers=V1_JSON).json["files"] == []
    with tm:
        projects.set_status(dbsession, "demo-pkg", "active")
    assert raw(app, wheel)[0] == "200 OK"

    remove_release(settings, session_factory, tm, dbsession, "Demo.Pkg", "1.0")
    testapp.get(wheel, status=404)
    assert "1.0" not in testapp.get("/pypi/demo-pkg/json").json["releases"]
    testapp.get("/pypi/demo-pkg/1.0/json", status=404)
    assert sdist_name not in raw(app, "/simple/demo-pkg/")[2].decode()


def test_a_worker_sees_what_another_worker_changed(settings, alice, published):
    """Two apps on one database, as two workers or two hosts: neither ever
    answers from what it kept once the other took an upload."""
    first, second = main({}, **settings), main({}, **settings)
    try:
        for path, headers in reads(published):
            assert raw(first, path, **headers)[0] == "200 OK"
        upload(webtest.TestApp(second), alice, "Demo.Pkg", "2.0")
        upload(webtest.TestApp(second), alice, "Newcomer", "1.0")
        assert "demo_pkg-2.0-py3-none-any.whl" in raw(first, "/simple/demo-pkg/")[2].decode()
        assert "2.0" in webtest.TestApp(first).get("/pypi/demo-pkg/json").json["releases"]
        assert "Newcomer" in raw(first, "/simple/", **V1_JSON)[2].decode()
    finally:
        for app in (first, second):
            for name in ("db_engine", "db_read_engine"):
                app.registry[name].dispose()


def test_a_download_cut_short_is_not_kept(app, testapp, alice):
    # Larger than one block of the stored stream, so that it comes in pieces.
    filename = factories.wheel_filename("Big", "1.0")
    content = factories.wheel("Big", "1.0", files={"big/data.bin": os.urandom(600 * 1024)})
    document = upload(testapp, alice, "Big", "1.0", filename=filename, content=content)
    assert document.status_code == 200
    path = file_path(testapp.get("/simple/big/", headers=V1_JSON).json)

    def start_response(status, headers, exc_info=None):
        pass

    environ = webob.Request.blank(path).environ
    body = app(environ, start_response)
    next(iter(body))  # the client goes away after the first block
    body.close()
    with statements(app) as seen:
        assert raw(app, path)[2] == content
    assert seen != []  # read from storage, not from a piece kept
    with statements(app) as seen:
        assert raw(app, path)[2] == content
    assert seen == []


def test_a_range_is_answered_but_not_kept(app, published):
    wheel = file_path(published)
    whole = raw(app, wheel)[2]
    for _ in range(2):
        with statements(app) as seen:
            status, headers, body = raw(app, wheel, Range="bytes=0-9")
        assert status == "206 Partial Content" and body == whole[:10]
        assert seen != []


def test_huge_headers_are_answered_not_kept(app, published):
    accept = "text/html, " + ", ".join(f"x/y{n}" for n in range(800))
    first = raw(app, "/simple/demo-pkg/", Accept=accept)
    with statements(app) as seen:
        assert raw(app, "/simple/demo-pkg/", Accept=accept) == first
    assert seen != []


def test_credentials_always_go_through_the_security_policy(settings, alice, published):
    private = main({}, **settings, **{"cheeseshop.read_access": "authenticated"})
    try:
        signed_in = webtest.TestApp(private)
        for path, headers in reads(published):
            signed_in.get(path, headers={**headers, **basic_auth(alice)})
            # What a signed-in reader was sent is never anybody's answer.
            assert raw(private, path, **headers)[0].startswith("401 "), path
    finally:
        for name in ("db_engine", "db_read_engine"):
            private.registry[name].dispose()


def test_a_forked_worker_leaves_the_parents_connections_alone(app, published):
    """``serve`` forks its workers and each disposes of the engines'
    inherited connections without closing them: the replay's own must not
    be closed either (on PostgreSQL that would end the parent's session)."""
    first = raw(app, "/simple/demo-pkg/")
    raw(app, "/simple/demo-pkg/")  # the parent's validity connection is open
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            app.registry["db_read_engine"].dispose(close=False)
        finally:
            os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    with statements(app) as seen:
        assert raw(app, "/simple/demo-pkg/") == first
    assert seen == []  # still replayed: its connection still answers


def test_bytes_damaged_in_storage_are_not_kept_once_storage_is_mended(
    app, testapp, alice, files_dir
):
    filename = factories.wheel_filename("Big", "1.0")
    content = factories.wheel("Big", "1.0", files={"big/data.bin": os.urandom(300 * 1024)})
    upload(testapp, alice, "Big", "1.0", filename=filename, content=content)
    path = file_path(testapp.get("/simple/big/", headers=V1_JSON).json)
    (stored,) = [p for p in files_dir.rglob(filename)]
    stored.write_bytes(content[:-10] + b"0123456789")  # a bad disk, say
    assert raw(app, path)[2] != content  # sent as storage has it
    stored.write_bytes(content)  # restored from a backup
    assert raw(app, path)[2] == content
    assert raw(app, path)[2] == content


@contextlib.contextmanager
def validity_queries(app):
    """How many validity queries the replay layer asks meanwhile."""
    replay_layer = app
    while not hasattr(replay_layer, "_queries"):
        replay_layer = replay_layer.app
    asked = []
    originals = dict(replay_layer._queries)

    class Counting:
        def __init__(self, query):
            self.query = query

        def first(self, params):
            asked.append(params)
            return self.query.first(params)

    replay_layer._queries.update({kind: Counting(q) for kind, q in originals.items()})
    try:
        yield asked
    finally:
        replay_layer._queries.update(originals)


def test_on_sqlite_a_replay_asks_the_database_only_after_a_commit(
    app, testapp, alice, published, database_url
):
    path = "/simple/demo-pkg/"
    raw(app, path)  # kept
    with validity_queries(app) as asked:
        for _ in range(5):
            assert raw(app, path)[0] == "200 OK"
    if database_url.startswith("sqlite"):
        # The first replay asks; nothing committed since, so the rest do not.
        assert len(asked) == 1
    else:
        assert len(asked) == 5  # PostgreSQL: no change mark, one query each

    upload(testapp, alice, "Unrelated", "1.0")  # a commit, not of this page
    with validity_queries(app) as asked:
        for _ in range(3):
            assert raw(app, path)[0] == "200 OK"
    assert len(asked) == (1 if database_url.startswith("sqlite") else 3)


def test_a_change_by_another_process_is_on_the_very_next_replay(tmp_path):
    """The command line in a process of its own yanks a release: the page a
    server kept shows it at once, though no request of the server made it."""
    data_dir = tmp_path / "index"
    cheeseshop = [sys.executable, "-m", "cheeseshop.cli", "--data", str(data_dir)]
    subprocess.run([*cheeseshop, "db", "upgrade"], check=True, capture_output=True)
    subprocess.run(
        [*cheeseshop, "user", "add", "alice", "--password-stdin"],
        input=factories.PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    app = main({}, **{"cheeseshop.data_dir": str(data_dir)})
    upload(webtest.TestApp(app), ("alice", factories.PASSWORD), "demo", "1.0")
    for _ in range(3):
        assert "data-yanked" not in raw(app, "/simple/demo/")[2].decode()

    subprocess.run(
        [*cheeseshop, "yank", "demo", "1.0", "--reason", "broken"],
        check=True,
        capture_output=True,
    )
    assert 'data-yanked="broken"' in raw(app, "/simple/demo/")[2].decode()

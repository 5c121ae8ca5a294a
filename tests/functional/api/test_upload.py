"""Uploads through ``/legacy/``: who may upload, and what happens to a
file that is already there."""

import hashlib
import sqlite3

import pytest
import webtest

from cheeseshop.app import main
from tests import factories
from tests.factories import basic_auth, post_form, upload, upload_form


def test_upload_makes_the_file_installable(testapp, alice):
    upload(testapp, alice, "Demo.Pkg", "1.0")
    page = testapp.get("/simple/demo-pkg/")
    assert "demo_pkg-1.0-py3-none-any.whl" in page.text
    assert page.headers["X-PyPI-Last-Serial"] != "0"


def test_identical_reupload_is_accepted_and_different_bytes_rejected(testapp, alice, snapshot):
    content = factories.wheel("demo", "1.0")
    params, files = upload_form("demo", "1.0", factories.wheel_filename("demo", "1.0"), content)
    post_form(testapp, alice, params, files)
    before = snapshot()
    post_form(testapp, alice, params, files, status=200)
    assert snapshot() == before
    other = factories.wheel("demo", "1.0", files={"demo/extra.py": b"x = 1\n"})
    response = upload(
        testapp,
        alice,
        "demo",
        "1.0",
        content=other,
        filename=factories.wheel_filename("demo", "1.0"),
        status=400,
    )
    assert "File already exists" in response.status
    assert snapshot() == before


def test_wrong_digest_is_rejected_and_nothing_stored(testapp, alice, snapshot):
    before = snapshot()
    content = factories.wheel("demo", "1.0")
    params, files = upload_form(
        "demo", "1.0", factories.wheel_filename("demo", "1.0"), content, digests=False
    )
    params.append(("sha256_digest", hashlib.sha256(b"other").hexdigest()))
    response = post_form(testapp, alice, params, files, status=400)
    assert "digest" in response.status
    assert snapshot() == before


def test_someone_elses_project_is_forbidden(testapp, alice, bob, snapshot):
    upload(testapp, alice, "demo", "1.0")
    before = snapshot()
    response = upload(testapp, bob, "demo", "2.0", status=403)
    assert "isn't allowed to upload to project 'demo'" in response.status
    assert snapshot() == before


def test_bad_password_is_forbidden(testapp, alice, snapshot):
    before = snapshot()
    response = upload(testapp, ("alice", "wrong"), "demo", "1.0", status=403)
    assert "Invalid or non-existent authentication" in response.status
    assert snapshot() == before


def test_no_credentials_gets_a_basic_challenge(testapp):
    response = testapp.post(
        "/legacy/", {":action": "submit", "name": "x", "version": "1"}, status=401
    )
    assert response.headers["WWW-Authenticate"] == 'Basic realm="pypi"'


def test_malformed_multipart_body_is_a_400(testapp, alice, snapshot):
    before = snapshot()
    response = testapp.post(
        "/legacy/",
        b"--zzz\r\nnot a form",
        headers={**basic_auth(alice), "Content-Type": "multipart/form-data"},
        status=400,
    )
    assert "Malformed upload form" in response.status
    assert snapshot() == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_locked_database_is_a_503_to_retry(settings, alice, database_url, snapshot):
    """SQLite's lock held past the busy timeout: a 503 to retry, not a 500."""
    app = webtest.TestApp(main({}, **settings, **{"cheeseshop.sqlite_busy_timeout": "200"}))
    before = snapshot()
    holder = sqlite3.connect(database_url[len("sqlite:///") :], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        content = factories.wheel("locked", "1.0")
        params, files = upload_form(
            "locked", "1.0", factories.wheel_filename("locked", "1.0"), content
        )
        response = post_form(app, alice, params, files, status=503)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "busy or unreachable" in response.status
    assert response.headers["Retry-After"] == "5"
    assert snapshot() == before

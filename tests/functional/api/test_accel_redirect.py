"""Downloads handed to nginx (``cheeseshop.storage.accel_redirect``): the
application checks and describes, nginx sends the bytes.

What nginx then does with the answer is in tests/system/test_nginx.py."""

import hashlib
import urllib.parse

import pytest
import webtest

from cheeseshop.app import main
from tests import factories
from tests.factories import basic_auth, upload

PREFIX = "/_stored/"


@pytest.fixture
def settings(settings):
    return {**settings, "cheeseshop.storage.accel_redirect": PREFIX}


@pytest.fixture
def wheel_file(testapp, alice):
    """(URL path, bytes) of an uploaded wheel."""
    content = factories.wheel("demo", "1.0")
    upload(testapp, alice, "demo", "1.0", content=content)
    (entry,) = testapp.get("/pypi/demo/json").json["urls"]
    return urllib.parse.urlsplit(entry["url"]).path, content


def stored_path(files_dir, accel_redirect):
    """The file nginx's ``alias`` of the folder maps ``accel_redirect`` to."""
    assert accel_redirect.startswith(PREFIX)
    return files_dir / urllib.parse.unquote(accel_redirect.removeprefix(PREFIX))


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_download_names_the_file_for_nginx_and_sends_no_bytes(
    testapp, wheel_file, files_dir, method
):
    path, content = wheel_file
    response = testapp.request(path, method=method)
    assert response.body == b""
    assert response.headers["Content-Length"] == "0"
    assert stored_path(files_dir, response.headers["X-Accel-Redirect"]).read_bytes() == content
    # What nginx keeps from this answer, and the ETag its configuration passes on.
    assert response.content_type == "application/octet-stream"
    assert response.headers["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"


def test_the_metadata_is_handed_over_as_text(testapp, wheel_file, files_dir):
    path, content = wheel_file
    response = testapp.get(path + ".metadata")
    assert response.body == b""
    assert response.headers["Content-Type"] == "text/plain; charset=UTF-8"
    metadata = stored_path(files_dir, response.headers["X-Accel-Redirect"]).read_bytes()
    assert b"Name: demo" in metadata
    assert response.headers["ETag"] == f'"{hashlib.sha256(metadata).hexdigest()}"'


def test_the_clients_copy_is_answered_here_without_a_hand_over(testapp, wheel_file):
    path, content = wheel_file
    etag = testapp.get(path).headers["ETag"]
    not_modified = testapp.get(path, headers={"If-None-Match": etag}, status=304)
    assert "X-Accel-Redirect" not in not_modified.headers
    assert not_modified.headers["ETag"] == etag
    other = testapp.get(path, headers={"If-None-Match": '"something-else"'}, status=200)
    assert other.headers["X-Accel-Redirect"]


def test_a_range_is_left_to_nginx(testapp, wheel_file):
    path, content = wheel_file
    response = testapp.get(path, headers={"Range": "bytes=10-99"}, status=200)
    assert response.body == b""
    assert response.headers["X-Accel-Redirect"]


def test_refusals_stay_in_the_application(testapp, wheel_file, settings, alice):
    path, content = wheel_file
    missing = path.replace("demo-1.0", "demo-2.0")
    assert "X-Accel-Redirect" not in testapp.get(missing, status=404).headers
    private = webtest.TestApp(main({}, **settings, **{"cheeseshop.read_access": "authenticated"}))
    assert "X-Accel-Redirect" not in private.get(path, status=401).headers
    signed_in = private.get(path, headers=basic_auth(alice))
    assert signed_in.headers["X-Accel-Redirect"]
    assert signed_in.headers["Cache-Control"] == "max-age=31536000, private, immutable"

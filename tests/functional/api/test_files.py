"""Downloading distribution files: the bytes that were uploaded, resumable
(Range), cacheable forever (content-addressed URLs)."""

import hashlib
import urllib.parse

import pytest

from tests import factories
from tests.factories import upload


@pytest.fixture
def wheel_file(testapp, alice):
    """(URL path, bytes) of an uploaded wheel big enough for ranges."""
    content = factories.wheel(
        "demo", "1.0", files={"demo/data.bin": hashlib.sha256(b"seed").digest() * 64}
    )
    assert len(content) > 1000
    upload(testapp, alice, "demo", "1.0", content=content)
    (entry,) = testapp.get("/pypi/demo/json").json["urls"]
    return urllib.parse.urlsplit(entry["url"]).path, content


def test_download_is_the_uploaded_bytes(testapp, wheel_file):
    path, content = wheel_file
    assert path.endswith("/demo-1.0-py3-none-any.whl")
    response = testapp.get(path)
    assert response.body == content
    assert response.content_type == "application/octet-stream"
    assert int(response.headers["Content-Length"]) == len(content)
    assert response.headers["Accept-Ranges"] == "bytes"


def test_range_request_gets_exactly_those_bytes(testapp, wheel_file):
    path, content = wheel_file
    response = testapp.get(path, headers={"Range": "bytes=10-99"}, status=206)
    assert response.body == content[10:100]
    assert response.headers["Content-Range"] == f"bytes 10-99/{len(content)}"
    assert int(response.headers["Content-Length"]) == 90
    tail = testapp.get(path, headers={"Range": "bytes=-20"}, status=206)
    assert tail.body == content[-20:]
    rest = testapp.get(path, headers={"Range": f"bytes={len(content) - 5}-"}, status=206)
    assert rest.body == content[-5:]
    testapp.get(path, headers={"Range": f"bytes={len(content) + 10}-"}, status=416)


def test_strong_etag_and_long_lived_caching(testapp, wheel_file):
    path, content = wheel_file
    response = testapp.get(path)
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert etag == f'"{hashlib.sha256(content).hexdigest()}"'
    cache_control = {d.strip() for d in response.headers["Cache-Control"].split(",")}
    assert "public" in cache_control
    (max_age,) = [d for d in cache_control if d.startswith("max-age=")]
    assert int(max_age.split("=")[1]) >= 365 * 24 * 3600
    not_modified = testapp.get(path, headers={"If-None-Match": etag}, status=304)
    assert not_modified.body == b""
    assert testapp.get(path, headers={"If-None-Match": '"something-else"'}).body == content


def test_head_gives_the_headers_without_the_body(testapp, wheel_file):
    path, content = wheel_file
    response = testapp.head(path)
    assert response.status_int == 200
    assert response.body == b""
    assert int(response.headers["Content-Length"]) == len(content)
    assert response.headers["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'


def test_unknown_paths_are_404(testapp, wheel_file):
    path, _ = wheel_file
    folder, _, filename = path.rpartition("/")
    testapp.get(folder + "/demo-2.0-py3-none-any.whl", status=404)
    testapp.get("/packages/00/00/" + "0" * 60 + "/" + filename, status=404)
    testapp.get("/packages/00/00/", status=404)
    testapp.get(path + "/extra", status=404)
    testapp.head(folder + "/nothing.whl", status=404)

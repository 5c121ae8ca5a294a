"""Uploads and downloads through the app on every storage backend
(filesystem, S3 over HTTP, SQL on SQLite and PostgreSQL)."""

import hashlib

import pytest
import webtest

from cheeseshop.app import main
from tests import factories
from tests.factories import upload


@pytest.fixture
def backend_app(backend_settings):
    return webtest.TestApp(main({}, **backend_settings))


def test_upload_then_download_and_range(backend_app, alice):
    content = factories.wheel("stored", "1.0", files={"stored/data.bin": bytes(range(256)) * 4096})
    upload(backend_app, alice, "stored", "1.0", content=content)
    data = backend_app.get(
        "/simple/stored/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    ).json
    url = data["files"][0]["url"]
    path = url[url.index("/packages/") :]
    download = backend_app.get(path)
    assert download.body == content
    assert hashlib.sha256(download.body).hexdigest() == data["files"][0]["hashes"]["sha256"]
    part = backend_app.get(path, headers={"Range": "bytes=1000-200999"}, status=206)
    assert part.body == content[1000:201000]
    metadata = backend_app.get(path + ".metadata")
    assert hashlib.sha256(metadata.body).hexdigest() == data["files"][0]["core-metadata"]["sha256"]

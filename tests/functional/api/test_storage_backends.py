"""Uploads and downloads through the app on every storage backend, and the
bytes of an aborted upload gone on each (filesystem, S3 over HTTP, SQL on
SQLite and PostgreSQL)."""

import hashlib

import pytest
import webtest

from cheeseshop.app import main
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from tests import factories
from tests.factories import basic_auth, upload_form
from tests.unit.publishing.test_recording import CommitFailed, add_wheel


@pytest.fixture(params=["filesystem", "sql", "s3"])
def backend_settings(request, settings):
    if request.param == "sql":
        return {**settings, "cheeseshop.storage": "sql"}
    if request.param == "s3":
        return {**settings, **request.getfixturevalue("s3_bucket")}
    return settings


@pytest.fixture
def backend_app(backend_settings):
    return webtest.TestApp(main({}, **backend_settings))


def test_upload_then_download_and_range(backend_app, alice):
    content = factories.wheel("stored", "1.0", files={"stored/data.bin": bytes(range(256)) * 4096})
    params, files = upload_form("stored", "1.0", factories.wheel_filename("stored", "1.0"), content)
    backend_app.post("/legacy/", params, upload_files=files, headers=basic_auth(alice))
    data = backend_app.get("/simple/stored/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json
    url = data["files"][0]["url"]
    path = url[url.index("/packages/"):]
    download = backend_app.get(path)
    assert download.body == content
    assert hashlib.sha256(download.body).hexdigest() == data["files"][0]["hashes"]["sha256"]
    part = backend_app.get(path, headers={"Range": "bytes=1000-200999"}, status=206)
    assert part.body == content[1000:201000]
    metadata = backend_app.get(path + ".metadata")
    assert hashlib.sha256(metadata.body).hexdigest() == data["files"][0]["core-metadata"]["sha256"]


def test_aborted_upload_leaves_no_bytes(backend_settings, dbsession, tm, session_factory, make_user, snapshot):
    storage = storage_from_settings(load_settings(backend_settings))
    user_id = make_user("alice")
    before = snapshot()
    with pytest.raises(CommitFailed):
        with tm:
            assert add_wheel(dbsession, storage, user_id, session_factory, tm).created
            raise CommitFailed
    assert snapshot() == before
    assert list(storage.keys()) == []

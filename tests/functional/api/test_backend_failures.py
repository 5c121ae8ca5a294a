"""Backends that fail: busy or exhausted is 503 with Retry-After, full is
507, and what is neither stays a 500 (a bug to see, not to hide)."""

import errno
import io
import sqlite3

import botocore.exceptions
import pytest
import webtest
from pyramid.testing import DummyRequest
from sqlalchemy.exc import OperationalError

from cheeseshop.api import failures
from cheeseshop.app import main
from cheeseshop.storage import filesystem
from cheeseshop.storage.errors import StorageError, StorageFull
from cheeseshop.storage.s3 import S3Storage
from tests import factories
from tests.factories import basic_auth, upload_form


def upload(testapp, credentials, name="demo", version="1.0", status=200):
    content = factories.wheel(name, version)
    params, files = upload_form(name, version, factories.wheel_filename(name, version), content)
    return testapp.post(
        "/legacy/", params, upload_files=files, headers=basic_auth(credentials), status=status
    )


def file_path(testapp, metadata=False):
    page = testapp.get("/simple/demo/?format=application/vnd.pypi.simple.v1%2Bjson").json
    url = page["files"][0]["url"]
    return url[url.index("/packages/") :] + (".metadata" if metadata else "")


def test_no_free_database_connection_is_503_with_retry_after(testapp, settings, alice):
    upload(testapp, alice)
    app = main(
        {},
        **settings,
        **{
            "sqlalchemy.pool_size": "1",
            "sqlalchemy.max_overflow": "0",
            "sqlalchemy.pool_timeout": "1",
        },
    )
    testapp = webtest.TestApp(app)
    engine = app.registry["db_read_engine"]
    try:
        with engine.connect():  # the only connection, held
            response = testapp.get("/simple/demo/", status=503)
            assert "no database connection is free" in response.status
            assert response.headers["Retry-After"] == "5"
            assert "Traceback" not in response.text
        testapp.get("/simple/demo/", status=200)
    finally:
        for name in ("db_engine", "db_read_engine"):
            app.registry[name].dispose()


@pytest.mark.parametrize("metadata", [False, True])
@pytest.mark.parametrize("errnum", [errno.EMFILE, errno.EIO, errno.EACCES])
def test_a_storage_that_cannot_open_a_file_is_503(testapp, alice, monkeypatch, errnum, metadata):
    upload(testapp, alice)
    path = file_path(testapp, metadata)

    def failing_open(*args, **kw):
        raise OSError(errnum, "simulated")

    monkeypatch.setattr(filesystem, "open", failing_open, raising=False)
    response = testapp.get(path, status=503)
    assert "file storage failed" in response.status
    assert response.headers["Retry-After"] == "5"


def test_a_metadata_file_missing_from_storage_is_404(testapp, alice, files_dir):
    upload(testapp, alice)
    path = file_path(testapp, metadata=True)
    (stored,) = [p for p in files_dir.rglob("*.metadata")]
    stored.unlink()
    response = testapp.get(path, status=404)
    assert "is missing from storage" in response.text


class _Orig(Exception):
    def __init__(self, **attributes):
        super().__init__("simulated")
        self.__dict__.update(attributes)


@pytest.mark.parametrize(
    "orig, status",
    [
        (_Orig(sqlstate="53100"), 507),  # PostgreSQL: disk_full
        (_Orig(sqlite_errorcode=sqlite3.SQLITE_FULL), 507),
        (_Orig(sqlstate="57P03"), 503),  # PostgreSQL: cannot_connect_now
        (_Orig(sqlite_errorcode=sqlite3.SQLITE_BUSY), 503),
    ],
)
def test_database_failures_in_their_class(orig, status):
    response = failures.database_unavailable(OperationalError("INSERT", {}, orig), DummyRequest())
    assert response.status_int == status
    assert ("Retry-After" in response.headers) == (status == 503)


def test_a_full_s3_server_is_storage_full():
    class Client:
        def upload_fileobj(self, *args, **kw):
            raise botocore.exceptions.ClientError(
                {
                    "Error": {
                        "Code": "XMinioStorageFull",
                        "Message": "Storage backend has reached its minimum free drive threshold.",
                    }
                },
                "PutObject",
            )

    storage = S3Storage(lambda: Client(), "bucket")
    with pytest.raises(StorageFull):
        storage.store("ab/cd/ef/x.whl", io.BytesIO(b"x"), 1)


def test_other_s3_failures_are_storage_errors():
    class Client:
        def upload_fileobj(self, *args, **kw):
            raise botocore.exceptions.ClientError({"Error": {"Code": "AccessDenied"}}, "PutObject")

    storage = S3Storage(lambda: Client(), "bucket")
    with pytest.raises(StorageError) as raised:
        storage.store("ab/cd/ef/x.whl", io.BytesIO(b"x"), 1)
    assert not isinstance(raised.value, StorageFull)


def test_other_os_errors_stay_500():
    with pytest.raises(OSError):
        failures.disk_full(OSError(errno.EIO, "I/O error"), DummyRequest())


def test_other_unicode_errors_stay_500():
    exc = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    with pytest.raises(UnicodeDecodeError):
        failures.undecodable_url(exc, DummyRequest(path="/simple/demo/"))

"""A full disk is 507 with a message, and leaves nothing behind.

Real full disks: a small tmpfs mounted for the test (the suite runs as
root; a failed mount fails the test rather than skipping it).
"""

import contextlib
import os
import shutil
import subprocess

import pytest
import sqlalchemy
import transaction
import webtest

from cheeseshop.accounts import users as accounts
from cheeseshop.app import main
from cheeseshop.db.engines import get_engine
from cheeseshop.db.sessions import get_session_factory, get_tm_session
from cheeseshop.models.meta import Base
from cheeseshop.settings import load as load_settings
from tests import factories
from tests.conftest import TOKEN_KEY
from tests.factories import basic_auth, upload_form

PAGE = 4096


@contextlib.contextmanager
def tmpfs(path, size):
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a {size} tmpfs on {path}: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], check=True)


def free_bytes(path):
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def fill(path, leave=0):
    """A filler file taking all the room on ``path``'s disk but ``leave``
    bytes (rounded down to whole pages)."""
    filler = path / "filler"
    with open(filler, "wb") as out:
        remaining = free_bytes(path) - leave
        while remaining > 0:
            block = min(remaining, 1024 * 1024)
            out.write(b"\0" * block)
            remaining -= block
    assert free_bytes(path) <= leave
    return filler


def everything_under(path, but=()):
    """Files and folders under ``path``, but ``but``."""
    found = []
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            rel = os.path.relpath(os.path.join(folder, name), path)
            if rel not in but:
                found.append(rel)
    return sorted(found)


def upload(testapp, credentials, name, version, content, status):
    params, files = upload_form(name, version, factories.wheel_filename(name, version), content)
    return testapp.post(
        "/legacy/", params, upload_files=files, headers=basic_auth(credentials), status=status
    )


def assert_507(response, message):
    assert response.status_int == 507
    assert message in response.status
    assert response.text == response.text.strip() + "\n"
    assert message in response.text
    assert "Traceback" not in response.text
    assert "Retry-After" not in response.headers


def assert_installable(testapp, name, version):
    page = testapp.get(f"/simple/{name}/?format=application/vnd.pypi.simple.v1%2Bjson").json
    (file,) = [f for f in page["files"] if f["filename"] == factories.wheel_filename(name, version)]
    url = file["url"]
    assert testapp.get(url[url.index("/packages/") :]).body.startswith(b"PK")


STORAGE_FULL = "The index's file storage is full"


# -- the file storage on a full disk --------------------------------------------


@pytest.fixture
def files_dir(tmp_path):
    """The storage folder: a 2 MiB tmpfs."""
    with tmpfs(tmp_path / "small-disk", "2m") as path:
        yield path


def test_a_wheel_larger_than_the_free_space_is_507(testapp, alice, snapshot, files_dir):
    before = snapshot()
    big = factories.wheel("demo", "1.0", files={"demo/big.bin": os.urandom(3 * 1024 * 1024)})
    assert len(big) > free_bytes(files_dir)

    response = upload(testapp, alice, "demo", "1.0", big, status=507)

    assert_507(response, STORAGE_FULL)
    assert snapshot() == before
    assert everything_under(files_dir) == []
    # Room for a smaller file: the index works as before.
    small = factories.wheel("demo", "1.0", files={"demo/small.bin": os.urandom(64 * 1024)})
    upload(testapp, alice, "demo", "1.0", small, status=200)
    assert_installable(testapp, "demo", "1.0")


def test_a_disk_that_fills_after_the_wheel_before_its_metadata_is_507(
    testapp, alice, snapshot, files_dir
):
    content = factories.wheel("demo", "1.0", files={"demo/data.bin": os.urandom(200 * 1024)})
    # Room for the wheel's pages, none for its .metadata beside it.
    filler = fill(files_dir, leave=-(-len(content) // PAGE) * PAGE)
    before = snapshot()

    response = upload(testapp, alice, "demo", "1.0", content, status=507)

    assert_507(response, STORAGE_FULL)
    assert snapshot() == before
    assert everything_under(files_dir, but={"filler"}) == []
    filler.unlink()
    upload(testapp, alice, "demo", "1.0", content, status=200)
    assert_installable(testapp, "demo", "1.0")


def test_a_full_disk_for_one_project_leaves_the_others_served(testapp, alice, snapshot, files_dir):
    upload(testapp, alice, "first", "1.0", factories.wheel("first", "1.0"), status=200)
    filler = fill(files_dir)
    before = snapshot()

    response = upload(testapp, alice, "second", "1.0", factories.wheel("second", "1.0"), status=507)

    assert_507(response, STORAGE_FULL)
    assert snapshot() == before
    assert_installable(testapp, "first", "1.0")
    assert testapp.get("/simple/second/", status=404)
    filler.unlink()
    upload(testapp, alice, "second", "1.0", factories.wheel("second", "1.0"), status=200)


# -- the database on a full disk (SQLite: its file on the tmpfs) ---------------


DATABASE_FULL = "The index's database is out of disk space"


@pytest.fixture
def sqlite_disk(tmp_path, sqlite_template):
    """An SQLite database on a 4 MiB tmpfs; (its url, the disk)."""
    with tmpfs(tmp_path / "db-disk", "4m") as disk:
        shutil.copy(sqlite_template, disk / "cheeseshop.sqlite")
        yield f"sqlite:///{disk / 'cheeseshop.sqlite'}", disk


@pytest.fixture
def full_disk_index(sqlite_disk, tmp_path, request):
    """The app on the SQLite database of ``sqlite_disk`` (the storage
    backend named by the test's ``backend`` parameter); alice exists. Yields
    (testapp, count_rows, disk, storage folder)."""
    url, disk = sqlite_disk
    storage = tmp_path / "files"
    storage.mkdir()
    settings = {
        "sqlalchemy.url": url,
        "cheeseshop.storage": request.param,
        "cheeseshop.token_key": TOKEN_KEY,
    }
    if request.param == "filesystem":
        settings["cheeseshop.storage.path"] = str(storage)
    app = main({}, **settings)
    engine = get_engine(load_settings(settings))
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        accounts.create_user(
            get_tm_session(get_session_factory(engine), manager),
            "alice",
            "secret-password",
            email="a@example.org",
        )

    def count_rows():
        with engine.connect() as connection:
            return {
                table.name: connection.execute(
                    sqlalchemy.select(sqlalchemy.func.count()).select_from(table)
                ).scalar()
                for table in Base.metadata.sorted_tables
            }

    try:
        yield webtest.TestApp(app), count_rows, disk, storage
    finally:
        engine.dispose()
        for name in ("db_engine", "db_read_engine"):
            app.registry[name].dispose()


@pytest.mark.parametrize("full_disk_index", ["filesystem", "sql"], indirect=True)
def test_a_database_on_a_full_disk_is_507(full_disk_index):
    testapp, count_rows, disk, storage = full_disk_index
    alice = ("alice", "secret-password")
    content = factories.wheel("demo", "1.0", files={"demo/data.bin": os.urandom(64 * 1024)})
    before = count_rows()
    filler = fill(disk)

    response = upload(testapp, alice, "demo", "1.0", content, status=507)

    assert_507(response, DATABASE_FULL)
    assert count_rows() == before
    assert everything_under(storage) == []
    # Reads go on while the disk is full.
    testapp.get("/simple/", status=200)
    testapp.get("/simple/demo/", status=404)
    filler.unlink()
    upload(testapp, alice, "demo", "1.0", content, status=200)
    assert_installable(testapp, "demo", "1.0")


# -- the temporary folder on a full disk (where request bodies are spooled) ----


@pytest.fixture
def full_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    with tmpfs(tmp_path / "tmp-disk", "1m") as disk:
        monkeypatch.setattr(tempfile, "tempdir", str(disk))
        monkeypatch.setenv("TMPDIR", str(disk))
        yield disk


def test_a_full_temporary_folder_is_507(testapp, alice, snapshot, full_temporary_folder):
    before = snapshot()
    big = factories.wheel("demo", "1.0", files={"demo/big.bin": os.urandom(2 * 1024 * 1024)})

    response = upload(testapp, alice, "demo", "1.0", big, status="*")

    assert_507(response, "The index's server is out of disk space")
    assert snapshot() == before
    assert everything_under(full_temporary_folder) == []

"""The upload transaction without HTTP: stored bytes follow the database."""

import pytest

from cheeseshop.models.catalog import RemovedFilename
from cheeseshop.publishing.errors import UploadRejected
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from tests.factories import CommitFailed, add_wheel, stored_files


def test_committed_upload_keeps_its_bytes(
    dbsession, tm, session_factory, settings, files_dir, make_user
):
    storage = storage_from_settings(load_settings(settings))
    user_id = make_user("alice")
    with tm:
        result = add_wheel(dbsession, storage, user_id, session_factory, tm)
        path = result.file.path
    assert stored_files(files_dir) == [path, path + ".metadata"]


def test_aborted_upload_leaves_no_bytes(
    dbsession, tm, session_factory, settings, files_dir, make_user, snapshot
):
    storage = storage_from_settings(load_settings(settings))
    user_id = make_user("alice")
    before = snapshot()
    with pytest.raises(CommitFailed):
        with tm:
            result = add_wheel(dbsession, storage, user_id, session_factory, tm)
            assert result.created
            assert stored_files(files_dir)  # bytes are stored before the rows commit
            raise CommitFailed  # e.g. the database refuses the commit
    assert snapshot() == before
    assert stored_files(files_dir) == []


def test_aborted_upload_leaves_no_bytes_on_any_backend(
    backend_settings, dbsession, tm, session_factory, make_user, snapshot
):
    """On each storage backend (filesystem, S3 over HTTP, SQL on SQLite and
    PostgreSQL)."""
    storage = storage_from_settings(load_settings(backend_settings))
    user_id = make_user("alice")
    before = snapshot()
    with pytest.raises(CommitFailed):
        with tm:
            assert add_wheel(dbsession, storage, user_id, session_factory, tm).created
            raise CommitFailed
    assert snapshot() == before
    assert list(storage.keys()) == []


@pytest.mark.parametrize("project_exists", [True, False], ids=["project", "new project"])
def test_a_removed_filename_is_refused(
    dbsession, tm, session_factory, settings, make_user, snapshot, project_exists
):
    """Wherever its project stands: a removed name is never used again."""
    storage = storage_from_settings(load_settings(settings))
    user_id = make_user("alice")
    with tm:
        if project_exists:
            add_wheel(dbsession, storage, user_id, session_factory, tm, version="0.9")
        dbsession.add(RemovedFilename(filename="demo-1.0-py3-none-any.whl"))
    before = snapshot()
    with pytest.raises(UploadRejected) as raised:
        with tm:
            add_wheel(dbsession, storage, user_id, session_factory, tm, version="1.0")
    assert (raised.value.status, str(raised.value)) == (
        400,
        "This filename has already been used, use a different version: "
        "'demo-1.0-py3-none-any.whl' was removed, and a filename can be used only once.",
    )
    assert snapshot() == before

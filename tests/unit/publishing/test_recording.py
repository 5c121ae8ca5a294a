"""The upload transaction without HTTP: stored bytes follow the database."""

import hashlib
import io
import os

import pytest

from cheeseshop.publishing import form, inspection, recording
from cheeseshop.catalog import projects
from cheeseshop.models.accounts import User
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from tests import factories
from tests.factories import upload_form


class CommitFailed(Exception):
    pass


def stored_files(files_dir):
    return sorted(
        os.path.relpath(os.path.join(folder, name), files_dir)
        for folder, _, names in os.walk(files_dir)
        for name in names
    )


def add_wheel(dbsession, storage, user_id, session_factory, tm, name="demo", version="1.0"):
    content = factories.wheel(name, version)
    filename = factories.wheel_filename(name, version)
    params, _ = upload_form(name, version, filename, content)
    upload = form.read_upload(lambda key: [v for k, v in params if k == key], filename)
    project = projects.find_project(dbsession, upload.normalized_name)
    checked = inspection.check_file(
        upload, io.BytesIO(content), {"sha256": hashlib.sha256(content).hexdigest()}, 10**6
    )
    try:
        return recording.add_file(
            dbsession, storage, dbsession.get(User, user_id), project, upload, checked,
            session_factory=session_factory, transaction_manager=tm,
        )
    finally:
        checked.close()


def test_committed_upload_keeps_its_bytes(dbsession, tm, session_factory, settings, files_dir, make_user):
    storage = storage_from_settings(load_settings(settings))
    user_id = make_user("alice")
    with tm:
        result = add_wheel(dbsession, storage, user_id, session_factory, tm)
        path = result.file.path
    assert stored_files(files_dir) == [path, path + ".metadata"]


def test_aborted_upload_leaves_no_bytes(dbsession, tm, session_factory, settings, files_dir, make_user, snapshot):
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

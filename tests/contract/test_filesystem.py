import pytest

from cheeseshop.storage.filesystem import FilesystemStorage
from cheeseshop.storage.testing import StorageContract


@pytest.fixture
def storage(tmp_path):
    return FilesystemStorage(tmp_path / "files")


class TestFilesystemStorage(StorageContract):
    def test_no_temporary_files_are_left(self, storage, tmp_path):
        import io

        from cheeseshop.storage.testing import key_for

        storage.store(key_for(b"x"), io.BytesIO(b"x"), 1)
        leftovers = [p for p in (tmp_path / "files").rglob(".tmp-*")]
        assert leftovers == []


def test_a_crashed_write_is_a_partial_write_until_removed(storage, tmp_path):
    import io

    from cheeseshop.storage.testing import key_for

    key = key_for(b"kept")
    storage.store(key, io.BytesIO(b"kept"), 4)
    leftover = tmp_path / "files" / "ab" / "cd" / "ef" / ".tmp-killed"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a wheel")
    assert list(storage.partial_writes()) == ["ab/cd/ef/.tmp-killed"]
    assert list(storage.keys()) == [key]
    storage.remove_partial("ab/cd/ef/.tmp-killed")
    assert list(storage.partial_writes()) == []
    assert storage.exists(key)


def _settings(tmp_path, accel_redirect):
    from cheeseshop.settings import load

    return load(
        {
            "cheeseshop.storage": "filesystem",
            "cheeseshop.storage.path": str(tmp_path / "files"),
            "cheeseshop.storage.accel_redirect": accel_redirect,
        },
        environ={},
    )


def test_accel_redirect_names_the_key_under_the_internal_location(tmp_path):
    from cheeseshop.storage import storage_from_settings

    storage = storage_from_settings(_settings(tmp_path, " /_stored/ "))
    key = "ab/cd/ef01/demo-1.0+local~x-py3-none-any.whl"
    # "+" encoded (nginx decodes the URI, and some servers read "+" as a
    # space); "~" and "-" are unreserved and stay as they are.
    assert storage.accel_redirect(key) == "/_stored/ab/cd/ef01/demo-1.0%2Blocal~x-py3-none-any.whl"
    assert (
        storage.accel_redirect("ab/cd/ef01/a b%c.tar.gz") == "/_stored/ab/cd/ef01/a%20b%25c.tar.gz"
    )


def test_accel_redirect_is_off_by_default_and_when_empty(tmp_path):
    from cheeseshop.storage import storage_from_settings

    assert FilesystemStorage(tmp_path).accel_redirect("ab/cd/ef/x.whl") is None
    storage = storage_from_settings(_settings(tmp_path, ""))
    assert storage.accel_redirect("ab/cd/ef/x.whl") is None


def test_accel_redirect_refuses_keys_that_escape(tmp_path):
    from cheeseshop.storage.errors import InvalidKey

    storage = FilesystemStorage(tmp_path, accel_redirect="/_stored/")
    with pytest.raises(InvalidKey):
        storage.accel_redirect("../../etc/passwd")


@pytest.mark.parametrize("value", ["_stored/", "/_stored", "/st ored/", "/a%2F/", "/x?y/"])
def test_a_bad_accel_redirect_stops_the_start(tmp_path, value):
    from pyramid.exceptions import ConfigurationError

    from cheeseshop.storage import storage_from_settings

    with pytest.raises(ConfigurationError) as raised:
        storage_from_settings(_settings(tmp_path, value))
    assert str(raised.value) == (
        f"cheeseshop.storage = filesystem: cheeseshop.storage.accel_redirect = {value}: "
        "the path of nginx's internal location, beginning and ending with '/' "
        "(e.g. /_stored/), or empty for off"
    )

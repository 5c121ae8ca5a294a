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

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

import pytest

from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from cheeseshop.storage.testing import StorageContract


@pytest.fixture
def storage(database_url):
    return storage_from_settings(
        load_settings({"cheeseshop.storage": "sql", "sqlalchemy.url": database_url})
    )


class TestSQLStorage(StorageContract):
    """Runs on SQLite and on PostgreSQL (``database_url`` is parametrized)."""

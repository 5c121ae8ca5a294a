import pytest
from sqlalchemy import select

from cheeseshop.models.catalog import File
from tests.factories import upload


@pytest.fixture
def index(testapp, alice, engine):
    """demo 1.0 as a wheel (with .metadata) and an sdist: their storage keys."""
    upload(testapp, alice, "demo", "1.0", kind="wheel")
    upload(testapp, alice, "demo", "1.0", kind="sdist")
    with engine.connect() as connection:
        paths = dict(connection.execute(select(File.packagetype, File.path)).all())
    return {"wheel": paths["bdist_wheel"], "sdist": paths["sdist"]}

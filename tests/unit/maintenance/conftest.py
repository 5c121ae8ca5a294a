import pytest
from sqlalchemy import select

from cheeseshop.models.catalog import File
from tests import factories
from tests.factories import basic_auth, upload_form


def upload(testapp, credentials, filename, content, name="demo", version="1.0"):
    params, files = upload_form(name, version, filename, content)
    testapp.post("/legacy/", params, upload_files=files, headers=basic_auth(credentials))


@pytest.fixture
def index(testapp, alice, engine):
    """demo 1.0 as a wheel (with .metadata) and an sdist: their storage keys."""
    upload(testapp, alice, factories.wheel_filename("demo", "1.0"), factories.wheel("demo", "1.0"))
    upload(testapp, alice, factories.sdist_filename("demo", "1.0"), factories.sdist("demo", "1.0"))
    with engine.connect() as connection:
        paths = dict(connection.execute(select(File.packagetype, File.path)).all())
    return {"wheel": paths["bdist_wheel"], "sdist": paths["sdist"]}

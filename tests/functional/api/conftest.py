import pytest

from cheeseshop.app import main


@pytest.fixture
def app(settings):
    """The app, its database engines closed afterwards: these tests make many
    apps, and PostgreSQL's connection slots are shared with other runs."""
    app = main({}, **settings)
    yield app
    for name in ("db_engine", "db_read_engine"):
        app.registry[name].dispose()

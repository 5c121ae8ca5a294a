"""Every alembic revision upgrades from empty and downgrades, on SQLite and
PostgreSQL, and head matches the models."""

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cheeseshop.db import migrations
from cheeseshop.models.meta import Base


def _tables(url):
    engine = sqlalchemy.create_engine(url)
    try:
        return set(sqlalchemy.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(database_url):
    migrations.downgrade(database_url, "base")
    assert _tables(database_url) == set()
    migrations.upgrade(database_url)
    assert _tables(database_url) == set(Base.metadata.tables)


def test_head_matches_the_models(database_url):
    engine = sqlalchemy.create_engine(database_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_is_current(database_url):
    engine = sqlalchemy.create_engine(database_url)
    try:
        assert migrations.is_current(engine)
        migrations.downgrade(database_url, "base")
        assert not migrations.is_current(engine)
    finally:
        engine.dispose()
        migrations.upgrade(database_url)

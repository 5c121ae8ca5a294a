"""Every alembic revision upgrades from empty and downgrades, on SQLite and
PostgreSQL, and head matches the models (but for the search's full-text
tables, which are the dialect's own: see ``migrations.is_full_text_table``)."""

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cheeseshop.db import migrations
from cheeseshop.models.meta import Base


def _tables(url):
    engine = sqlalchemy.create_engine(url)
    try:
        names = set(sqlalchemy.inspect(engine).get_table_names()) - {"alembic_version"}
        return {name for name in names if not migrations.is_full_text_table(name)}
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
            context = MigrationContext.configure(
                connection, opts={"include_name": migrations.include_name}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_full_text_tables_come_and_go_with_0006(database_url):
    engine = sqlalchemy.create_engine(database_url)
    try:
        names = set(sqlalchemy.inspect(engine).get_table_names())
        assert "search_documents" in names
        assert {name for name in names if migrations.is_full_text_table(name)} == (
            {"search_documents"}
            | (
                {f"search_documents_{s}" for s in ("data", "idx", "content", "docsize", "config")}
                if engine.dialect.name == "sqlite"
                else set()
            )
        )
        migrations.downgrade(database_url, "0005")
        engine.dispose()
        names = set(sqlalchemy.inspect(engine).get_table_names())
        assert not any(migrations.is_full_text_table(name) for name in names)
        assert "project_classifiers" not in names
    finally:
        engine.dispose()
        migrations.upgrade(database_url)


def test_is_current(database_url):
    engine = sqlalchemy.create_engine(database_url)
    try:
        assert migrations.is_current(engine)
        migrations.downgrade(database_url, "base")
        assert not migrations.is_current(engine)
    finally:
        engine.dispose()
        migrations.upgrade(database_url)

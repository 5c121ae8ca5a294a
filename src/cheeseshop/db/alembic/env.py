"""Alembic environment: runs against the engine the app's settings name."""

from alembic import context

import cheeseshop.models  # noqa: F401  (every table on Base.metadata)
from cheeseshop.db.engines import get_engine
from cheeseshop.db.migrations import include_name
from cheeseshop.models.meta import Base
from cheeseshop.settings import load as load_settings

config = context.config
target_metadata = Base.metadata


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # The URL alembic was given, whatever CHEESESHOP_DATABASE_URL says.
    settings = load_settings(
        {"sqlalchemy.url": config.get_main_option("sqlalchemy.url")}, environ={}
    )
    engine = get_engine(settings)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # The search's full-text tables are the dialect's own, not models'.
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()

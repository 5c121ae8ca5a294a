"""Schema migrations with alembic, from the settings the app runs with."""

import os

import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cheeseshop.models.search import FTS5_SHADOW_SUFFIXES, FULL_TEXT_TABLE

SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), "alembic")


def alembic_config(url) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def is_full_text_table(name) -> bool:
    """Whether ``name`` is the search's full-text table or one of the tables
    SQLite's FTS5 keeps for it. Their shape is the dialect's own (an FTS5
    virtual table; a table of ``tsvector`` columns), so no model can describe
    them on both databases: migration ``0006`` makes them, and comparisons of
    the schema with the models leave them out."""
    return name == FULL_TEXT_TABLE or name in {
        FULL_TEXT_TABLE + suffix for suffix in FTS5_SHADOW_SUFFIXES
    }


def include_name(name, type_, parent_names) -> bool:
    """Alembic's ``include_name``: every reflected name but the full-text
    tables (see :func:`is_full_text_table`)."""
    return not (type_ == "table" and is_full_text_table(name))


def upgrade(url, revision="head"):
    if url.startswith("sqlite"):
        folder = os.path.dirname(_sqlite_path(url) or "")
        if folder:
            os.makedirs(folder, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url, revision):
    command.downgrade(alembic_config(url), revision)


def is_current(engine) -> bool:
    """Whether the database is at the newest revision."""
    head = ScriptDirectory(SCRIPT_LOCATION).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def _sqlite_path(url):
    return sqlalchemy.engine.make_url(url).database


def describe(url) -> str:
    """The database, as an error message names it (never its password)."""
    if url.startswith("sqlite"):
        return f"database file {_sqlite_path(url)}"
    return "database " + sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)


def unreachable(url, exc) -> "SchemaError":
    """One wording, on one line, for a database a command cannot use."""
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
    return SchemaError(f"cannot use the {describe(url)} ({reason})")


def holds_index(url) -> bool:
    """Whether the database exists and alembic has migrated it at least once."""
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if not path or not os.path.isfile(path):
            return False
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() is not None
    except sqlalchemy.exc.DBAPIError as exc:
        raise unreachable(url, exc) from exc
    finally:
        engine.dispose()


class SchemaError(RuntimeError):
    """The database cannot be used as it is; ``str()`` says what to do."""


def prepare(url):
    """Make sure the database at ``url`` is usable: an SQLite index (one
    machine) is migrated on the spot; a shared database must be migrated on
    purpose with ``cheeseshop db upgrade``, so several workers starting at
    once never race to migrate it."""
    if url.startswith("sqlite"):
        try:
            upgrade(url)
        except sqlalchemy.exc.DBAPIError as exc:
            raise unreachable(url, exc) from exc
        except OSError as exc:
            raise SchemaError(f"cannot create the {describe(url)} ({exc.strerror})") from exc
        return
    engine = sqlalchemy.create_engine(url)
    try:
        current = is_current(engine)
    except sqlalchemy.exc.DBAPIError as exc:
        raise unreachable(url, exc) from exc
    finally:
        engine.dispose()
    if not current:
        raise SchemaError(
            "sqlalchemy.url: the database schema is not current; run 'cheeseshop -c INI db upgrade'"
        )

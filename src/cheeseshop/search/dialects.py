"""The search engine of a database, chosen by its dialect (never by a
setting: the full-text table migration ``0006`` made is the dialect's), and
the one call that keeps a project's document current."""

from cheeseshop.search.interfaces import IProjectSearch
from cheeseshop.search.postgresql import PostgreSQLFullText
from cheeseshop.search.sqlite_fts import SQLiteFTS5

ENGINES = {engine.dialect: engine for engine in (SQLiteFTS5(), PostgreSQLFullText())}


def engine_for(bind) -> IProjectSearch:
    """The engine of ``bind``'s database: a Connection, an Engine or a Session."""
    if hasattr(bind, "get_bind"):
        bind = bind.get_bind()
    name = bind.dialect.name
    try:
        return ENGINES[name]
    except KeyError:
        raise LookupError(f"no search engine for {name!r} databases") from None


def reindex(session, project):
    """Bring ``project``'s search document up to date in ``session``'s
    transaction: after a new release, a yank or unyank, a removal, or a
    change of status."""
    engine_for(session).index_project(session, project)

"""The database: engine, sessions joined to pyramid_tm, and the models."""

from sqlalchemy import engine_from_config, event
from sqlalchemy.orm import configure_mappers, sessionmaker
import zope.sqlalchemy

from .accounts import Role, User
from .meta import Base
from .packaging import File, JournalEntry, Project, Release

__all__ = [
    "Base",
    "File",
    "JournalEntry",
    "Project",
    "Release",
    "Role",
    "User",
    "get_engine",
    "get_session_factory",
    "get_tm_session",
]

configure_mappers()


def _sqlite_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while an upload commits; the busy timeout makes
    # concurrent writers wait for the lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def get_engine(settings, prefix="sqlalchemy.", *, writer=True):
    """The engine for ``settings``.

    On SQLite a ``writer`` engine starts its transactions with BEGIN IMMEDIATE:
    pysqlite's deferred transactions let two writers both read and then fail
    to upgrade their locks. Readers keep plain BEGIN; in WAL mode they never
    wait for a writer.
    """
    engine = engine_from_config(settings, prefix)
    if engine.dialect.name == "sqlite":
        begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, connection_record):
            _sqlite_pragmas(dbapi_connection, connection_record)
            # Take transaction control away from pysqlite.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql(begin)

    return engine


def get_session_factory(engine):
    return sessionmaker(bind=engine)


def get_tm_session(session_factory, transaction_manager, request=None):
    dbsession = session_factory(info={"request": request, "session_factory": session_factory})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")

    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    read_engine = engine
    if engine.dialect.name == "sqlite":
        read_engine = get_engine(settings, writer=False)
    read_session_factory = get_session_factory(read_engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["read_dbsession_factory"] = read_session_factory
    config.registry["db_engine"] = engine

    def dbsession(request):
        factory = session_factory
        if request.method in ("GET", "HEAD"):
            factory = read_session_factory
        return get_tm_session(factory, request.tm, request=request)

    config.add_request_method(dbsession, reify=True)

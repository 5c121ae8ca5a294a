"""The database: engine, sessions joined to pyramid_tm, and the models."""

from sqlalchemy import engine_from_config, event
from sqlalchemy.orm import Session, configure_mappers, sessionmaker
import zope.sqlalchemy
from pyramid.exceptions import ConfigurationError

from .. import migrations

from .accounts import Role, User
from .blobs import Blob, BlobChunk
from .meta import Base
from .packaging import File, JournalEntry, Project, Release

__all__ = [
    "Base",
    "Blob",
    "BlobChunk",
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


def _sqlite_pragmas(dbapi_connection, busy_timeout):
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while an upload commits; the busy timeout makes
    # concurrent writers wait for the lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
    cursor.close()


def get_engine(settings, prefix="sqlalchemy.", *, writer=True):
    """The engine for ``settings``.

    On SQLite a ``writer`` engine starts its transactions with BEGIN IMMEDIATE:
    pysqlite's deferred transactions let two writers both read and then fail
    to upgrade their locks. Readers keep plain BEGIN; in WAL mode they never
    wait for a writer.
    """
    settings = dict(settings)
    # As many pooled connections as waitress has threads (8), and a few more:
    # SQLAlchemy's default 5 makes busy threads open and close connections.
    settings.setdefault(prefix + "pool_size", "10")
    engine = engine_from_config(settings, prefix)
    if engine.dialect.name == "sqlite":
        begin = "BEGIN IMMEDIATE" if writer else "BEGIN"
        busy_timeout = settings.get("cheeseshop.sqlite_busy_timeout", 30000)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, connection_record):
            _sqlite_pragmas(dbapi_connection, busy_timeout)
            # Take transaction control away from pysqlite.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql(begin)

    return engine


def get_session_factory(engine):
    return sessionmaker(bind=engine)


def get_tm_session(session_factory, transaction_manager, request=None):
    dbsession = session_factory(
        info={
            "request": request,
            "session_factory": session_factory,
            "transaction_manager": transaction_manager,
        }
    )
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


READ_METHODS = ("GET", "HEAD")


def is_write_request(request):
    """pyramid_tm's activate hook: only requests that may write run in a
    transaction; reads use a plain connection and cost no two-phase commit."""
    return request.method not in READ_METHODS


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    settings.setdefault("tm.activate_hook", is_write_request)
    # The journal records who did what; annotating the transaction would ask
    # for the identity (a database query) outside any view's error handling.
    settings.setdefault("tm.annotate_user", False)
    config.include("pyramid_tm")

    try:
        migrations.prepare(settings["sqlalchemy.url"])
    except KeyError:
        raise ConfigurationError("sqlalchemy.url is not set") from None
    except migrations.SchemaError as exc:
        raise ConfigurationError(str(exc)) from exc
    engine = get_engine(settings)
    read_engine = engine
    if engine.dialect.name == "sqlite":
        read_engine = get_engine(settings, writer=False)
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine
    config.registry["db_read_engine"] = read_engine

    def read_connection(request):
        """A Core connection for the read path, closed when the request ends."""
        connection = read_engine.connect()
        request.add_finished_callback(lambda request: connection.close())
        return connection

    def read_session(request):
        """An ORM session on the read connection, never committed."""
        return Session(bind=request.read_connection, info={"request": request})

    def dbsession(request):
        if is_write_request(request):
            return get_tm_session(session_factory, request.tm, request=request)
        return request.read_session

    config.add_request_method(read_connection, reify=True)
    config.add_request_method(read_session, reify=True)
    config.add_request_method(dbsession, reify=True)

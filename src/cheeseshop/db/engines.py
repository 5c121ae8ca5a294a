"""Engines: one for writers and, on SQLite, one for readers."""

from sqlalchemy import engine_from_config, event

# As many pooled connections as waitress has threads (8), and a few more:
# SQLAlchemy's default 5 makes busy threads open and close connections.
DEFAULT_OPTIONS = {"pool_size": "10"}


def _sqlite_pragmas(dbapi_connection, busy_timeout):
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while an upload commits; the busy timeout makes
    # concurrent writers wait for the lock instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
    cursor.close()


def get_engine(settings, *, writer=True):
    """The engine for :class:`cheeseshop.settings.Settings`.

    On SQLite a ``writer`` engine starts its transactions with BEGIN IMMEDIATE:
    pysqlite's deferred transactions let two writers both read and then fail
    to upgrade their locks. Readers keep plain BEGIN; in WAL mode they never
    wait for a writer.
    """
    options = {
        **DEFAULT_OPTIONS,
        **settings.database_options,
        "url": settings.require_database_url(),
    }
    engine = engine_from_config(options, prefix="")
    if engine.dialect.name == "sqlite":
        busy_timeout = settings.sqlite_busy_timeout

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, connection_record):
            _sqlite_pragmas(dbapi_connection, busy_timeout)
            # Take transaction control away from pysqlite.
            dbapi_connection.isolation_level = None

        if writer:

            @event.listens_for(engine, "begin")
            def _begin(conn):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        else:

            @event.listens_for(engine, "begin")
            def _begin_read(conn):
                # Straight to the driver: through SQLAlchemy's statement
                # machinery this cost a tenth of a cached page's time. A
                # deferred BEGIN touches no file, so it has no error for
                # SQLAlchemy to translate (a writer's BEGIN IMMEDIATE does).
                conn.connection.driver_connection.execute("BEGIN")

    return engine

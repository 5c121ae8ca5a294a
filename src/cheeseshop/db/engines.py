"""Engines: one for writers and, on SQLite, one for readers."""

from sqlalchemy import engine_from_config, event


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

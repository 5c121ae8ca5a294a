"""Fixtures for the system tests: whole ``cheeseshop`` processes, several at
once or killed mid-request, on the backends a real deployment uses.

Built on tests/clients/cheeseshop_e2e.py (the same Server class the client
tests use: the real console script on a free loopback port, stopped with
SIGTERM, then SIGKILL, by the fixture that started it).

* ``public_index``  public_index(**settings) -> IniStore: an ini naming a
                    fresh PostgreSQL database (``cheeseshop -c INI db
                    upgrade``) and a fresh bucket on the moto S3 server;
                    the database is dropped at the end of the test.
* ``start_server``  start_server(store=None, serve_args=(), env=None) ->
                    Server, started (without a store: the embedded default in
                    a fresh data dir); *env* adds to the server's environment.
                    Every server it started is stopped at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "clients"))

from cheeseshop_e2e import (  # noqa: E402
    IniStore,
    PostgresqlDatabase,
    Server,
    cheeseshop_command,
    cheeseshop_env,
    create_bucket,
    run,
)


@pytest.fixture
def public_index(tmp_path, s3_endpoint, postgresql_server):
    databases = []

    def make(**settings) -> IniStore:
        database = PostgresqlDatabase(postgresql_server, tag="system").create()
        databases.append(database)
        store = IniStore(
            tmp_path / f"index-{len(databases)}",
            database,
            s3_endpoint,
            create_bucket(s3_endpoint, "system"),
            extra_settings=settings,
        )
        run(cheeseshop_command() + store.cli_args + ["db", "upgrade"], env=cheeseshop_env(store))
        return store

    try:
        yield make
    finally:
        for database in databases:
            database.drop()


@pytest.fixture
def start_server(tmp_path):
    servers: list[Server] = []

    def start(store=None, serve_args=(), env=None) -> Server:
        server = Server(tmp_path / f"server-{len(servers) + 1}", store, serve_args=serve_args)
        server.env.update(env or {})
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()

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
                    Its kill() returns once every worker is gone (see
                    WholeServer). Every server it started is stopped at the
                    end.
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

from tests.system.processes import group_members, wait_until  # noqa: E402

#: How long a killed server's processes may take to go: a thread in the
#: middle of an fsync finishes it first.
KILLED_GONE_WITHIN = 60.0


class WholeServer(Server):
    """A Server whose kill() returns once all its processes are gone, every
    thread of them, as a supervisor (systemd's control group, a container)
    waits for them before it starts the server again.

    Server.kill() SIGKILLs the process group but waits for the parent only.
    A worker killed while one of its threads fsyncs an upload lives on until
    the fsync returns (uninterruptible), and holds the listening socket,
    which the kernel goes on completing connections for: the next start()
    took one of those for the new server answering, and the first request
    was reset when the old socket closed at last, before the new server had
    even read its settings. With one worker the parent is that process, and
    waiting for it was enough.
    """

    def kill(self) -> None:
        group = self.proc.pid if self.proc is not None else None
        super().kill()
        if group is not None:
            assert wait_until(lambda: not group_members(group), KILLED_GONE_WITHIN), (
                f"processes {group_members(group)} of the killed server outlived it"
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
        server = WholeServer(tmp_path / f"server-{len(servers) + 1}", store, serve_args=serve_args)
        server.env.update(env or {})
        servers.append(server)
        server.start()
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()

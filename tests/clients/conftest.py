"""Fixtures for the end-to-end tests that drive real packaging clients.

See cheeseshop_e2e.py (beside this file) for what they are built on:

* ``clients``      (session) the venv with pip, uv, twine, poetry, pdm, build
                   and the build backends: ``$CHEESESHOP_CLIENTS_VENV`` or
                   ``<repo>/.venv-clients``, created from
                   requirements/clients.txt when missing.
* ``server``       (module, two params) a running cheeseshop on a free
                   loopback port, stopped with SIGTERM (SIGKILL after a
                   timeout) at the end of the module, on either backend:
                   "embedded"      ``--data DIR serve`` with a fresh data dir;
                   "postgresql-s3" ``-c INI serve``, the ini naming a fresh
                                   PostgreSQL database (``db upgrade``d by
                                   the CLI) and a fresh bucket on the moto
                                   S3 server.
* ``private_server`` (module, the same two params) the same, but a private
                   index: ``CHEESESHOP_READ_ACCESS=authenticated``, every read
                   needs credentials (a password or an API token).
* ``user``, ``make_user``    uploaders made with ``cheeseshop user add``.
* ``unique_name``  project names no other test uses.
* ``sh``           runs clients in an isolated environment (tmp HOME, tmp
                   caches, no config files, null keyring) and knows how to make
                   fresh target venvs and install into them.
* ``build_dist``   writes and builds a real project with setuptools,
                   hatchling, poetry or pdm.
* ``bandersnatch`` (session) the ``bandersnatch`` executable of its own venv:
                   ``$CHEESESHOP_BANDERSNATCH_VENV`` or
                   ``<repo>/.venv-bandersnatch``, created from
                   requirements/bandersnatch.txt when missing.
"""

from __future__ import annotations

import contextlib
import secrets

import pytest
from cheeseshop_e2e import (
    Dist,
    IniStore,
    PostgresqlDatabase,
    Server,
    Shell,
    User,
    bandersnatch_venv_path,
    build_project,
    clients_venv_path,
    create_bucket,
    ensure_bandersnatch_venv,
    ensure_clients_venv,
    ensure_wheelhouse,
    isolated_env,
    write_project,
)


@pytest.fixture(scope="session")
def clients():
    """The venv holding the client tools; created like scripts/test.sh does when missing."""
    return ensure_clients_venv(clients_venv_path())


@pytest.fixture(scope="session")
def bandersnatch():
    """bin/bandersnatch of its own venv; created like scripts/test.sh does when missing."""
    return ensure_bandersnatch_venv(bandersnatch_venv_path())


@pytest.fixture(scope="session")
def build_deps_wheelhouse(clients):
    """A --find-links directory holding setuptools and wheel wheels.

    pip builds an sdist in an isolated build environment whose requirements
    come from the same index options; the test index hosts no setuptools, so
    installs that must build an sdist add ``--find-links`` to this directory.
    The project under test itself still exists only on the test index.
    Downloaded once per clients venv and kept inside it.
    """
    return ensure_wheelhouse(clients)


SERVER_BACKENDS = ("embedded", "postgresql-s3")


@contextlib.contextmanager
def running_server(request, tmp_path_factory, extra_env=None, serve_args=()):
    """A started Server on the backend ``request.param`` names, with an empty
    index; stopped (and its database dropped) on exit. *extra_env*: settings
    as CHEESESHOP_* environment variables, for the server and its CLI;
    *serve_args*: options of ``serve`` (``--workers 2``)."""
    base = tmp_path_factory.mktemp(f"cheeseshop-{request.param}")
    if request.param == "embedded":
        srv = Server(base / "data", serve_args=serve_args, extra_env=extra_env)
        srv.start()
        try:
            yield srv
        finally:
            srv.stop()
        return

    s3_endpoint = request.getfixturevalue("s3_endpoint")
    database = PostgresqlDatabase(
        request.getfixturevalue("postgresql_server"), tag="clients"
    ).create()
    try:
        store = IniStore(
            base / "config", database, s3_endpoint, create_bucket(s3_endpoint, "clients")
        )
        srv = Server(base / "data", store, serve_args=serve_args, extra_env=extra_env)
        srv.cli("db", "upgrade")
        srv.start()
        try:
            yield srv
        finally:
            srv.stop()
    finally:
        database.drop()


@pytest.fixture(scope="module", params=SERVER_BACKENDS)
def server(request, tmp_path_factory):
    """A running cheeseshop with an empty index, shared by one test module
    (pytest runs the module's tests on one backend, then on the other)."""
    with running_server(request, tmp_path_factory) as srv:
        yield srv


@pytest.fixture(scope="module", params=SERVER_BACKENDS)
def private_server(request, tmp_path_factory):
    """Like ``server``, but a private index: reads need credentials."""
    with running_server(
        request, tmp_path_factory, extra_env={"CHEESESHOP_READ_ACCESS": "authenticated"}
    ) as srv:
        yield srv


@pytest.fixture
def make_user(server):
    """make_user(name=None, password=None, email=None) -> User, via ``cheeseshop user add``."""
    return server.add_user


@pytest.fixture
def user(server) -> User:
    return server.add_user()


@pytest.fixture
def unique_name():
    """unique_name("tag") -> a project name no other test uses, e.g. "cs-tag-1a2b3c4d"."""

    def make(tag: str = "pkg") -> str:
        return f"cs-{tag}-{secrets.token_hex(4)}"

    return make


@pytest.fixture
def client_env(tmp_path, clients) -> dict:
    return isolated_env(tmp_path / "home", clients)


@pytest.fixture
def sh(clients, client_env, tmp_path, request) -> Shell:
    return Shell(
        clients, client_env, tmp_path, lambda: request.getfixturevalue("build_deps_wheelhouse")
    )


@pytest.fixture
def build_dist(sh, tmp_path):
    """build_dist(backend, name, version, dependencies=(), extras=None, marker="original") -> Dist.

    backend is one of "setuptools" (setup.py + ``python -m build --no-isolation``),
    "hatchling" (``python -m build --no-isolation``), "poetry" (``poetry build``)
    or "pdm" (``pdm build --no-isolation``).
    """
    counter = iter(range(1_000_000))

    def build(
        backend: str, name: str, version: str, *, dependencies=(), extras=None, marker="original"
    ) -> Dist:
        root = tmp_path / "projects" / f"{name}-{version}-{next(counter)}"
        module = write_project(
            root, backend, name, version, dependencies=dependencies, extras=extras, marker=marker
        )
        sdist, wheel = build_project(sh, root, backend)
        return Dist(name, version, module, root, sdist, wheel)

    return build

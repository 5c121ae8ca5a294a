"""A CI fleet publishing at once: 32 concurrent uploaders against one
server of 4 workers. On PostgreSQL + S3 every upload succeeds at its first
try and the journal loses no serial; on the embedded default (SQLite, one
writer at a time) the uploads queue, and none fails either."""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.system.distfiles import make_wheel
from tests.system.test_stateless_workers import check_uploads, upload_all

UPLOADERS = 32
PROJECTS = 8
VERSIONS = 4  # 32 projects' versions: one wheel per uploader


def sqlite_query(data_dir):
    def query(sql):
        with sqlite3.connect(data_dir / "cheeseshop.sqlite") as connection:
            return connection.execute(sql).fetchall()

    return query


@pytest.mark.parametrize("backend", ["postgresql-s3", "embedded"])
def test_32_uploaders_lose_no_file_and_no_serial(backend, public_index, start_server, tmp_path):
    store = public_index() if backend == "postgresql-s3" else None
    server = start_server(store, serve_args=["--workers", "4"])
    user = server.add_user()
    names = [f"cs-fleet-{i}" for i in range(PROJECTS)]
    wheels = [
        make_wheel(tmp_path / "wheels", name, f"2.{v}") for v in range(VERSIONS) for name in names
    ]
    started = time.monotonic()
    attempts = upload_all([(server, wheel, user) for wheel in wheels], threads=UPLOADERS)
    seconds = time.monotonic() - started
    query = store.database.query if store else sqlite_query(server.store.data_dir)
    check_uploads([server], attempts, wheels, names, VERSIONS, query)
    # The rate, for docs/benchmarks-workers.rst ("A CI fleet").
    print(f"\n{backend}: {len(wheels)} uploads by {UPLOADERS} uploaders in {seconds:.1f} s")

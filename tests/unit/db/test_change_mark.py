"""The change mark of a SQLite database (:mod:`cheeseshop.db.change_mark`):
the same while nothing commits, different after any commit, by any
connection of any process; none where it cannot be read."""

import os
import sqlite3
import subprocess
import sys

import pytest
import sqlalchemy

from cheeseshop.db import change_mark


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "index.sqlite")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE serials (n INTEGER)")
    connection.close()
    return path


def commit_elsewhere(path, sql="INSERT INTO serials VALUES (1)"):
    """A commit by another process, which then closes its connection."""
    script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit(); c.close()"
    subprocess.run([sys.executable, "-c", script, path, sql], check=True)


def mark_of(path):
    return change_mark.for_engine(sqlalchemy.create_engine(f"sqlite:///{path}"))


def test_the_mark_stays_while_nothing_commits(database):
    mark = mark_of(database)
    first = mark.mark()
    assert first is not None
    reader = sqlite3.connect(database)
    reader.execute("SELECT * FROM serials").fetchall()
    reader.close()
    assert mark.mark() == first


def test_every_commit_moves_the_mark(database):
    mark = mark_of(database)
    seen = [mark.mark()]
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("INSERT INTO serials VALUES (1)")
    seen.append(mark.mark())
    commit_elsewhere(database)
    seen.append(mark.mark())
    # A checkpoint that restarts the WAL, then a commit at its start again.
    writer.execute("PRAGMA wal_checkpoint(RESTART)")
    writer.execute("INSERT INTO serials VALUES (2)")
    seen.append(mark.mark())
    writer.close()
    assert None not in seen
    assert len(set(seen)) == len(seen)


def test_the_files_survive_every_other_connection_closing(database):
    """SQLite deletes -wal and -shm when its last connection closes, and the
    next one makes new files: a mark still reading the old file would
    never move again. The mark's own connection keeps them."""
    mark = mark_of(database)
    before = mark.mark()
    commit_elsewhere(database)
    assert os.path.exists(database + "-shm")
    after = mark.mark()
    commit_elsewhere(database, "DELETE FROM serials")
    assert len({before, after, mark.mark()}) == 3


def test_a_forked_process_reads_its_own_mapping(database):
    mark = mark_of(database)
    parent_mark = mark.mark()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            first = mark.mark()
            commit_elsewhere(database)
            ok = first is not None and mark.mark() not in (None, first)
        except BaseException:
            ok = False
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"1"
    assert mark.mark() not in (None, parent_mark)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql+psycopg://cheeseshop@127.0.0.1/none",
    ],
)
def test_no_mark_where_it_cannot_be_read(url):
    assert change_mark.for_engine(sqlalchemy.create_engine(url)).mark() is None


def test_no_mark_for_a_database_not_in_wal_mode(tmp_path):
    path = str(tmp_path / "rollback.sqlite")
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (n INTEGER)")
    connection.close()
    assert mark_of(path).mark() is None

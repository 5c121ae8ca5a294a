"""A mark that changes whenever the database commits, read without asking it.

A replayed page (:mod:`cheeseshop.api.replay`) must not outlive a change, so
it asked the database one indexed query before every replay. On SQLite that
query, cheap on its own (8 µs), cost a worker under load more than the rest
of the replay together: the driver lets go of the GIL around it and takes
file locks, and eight server threads then queue for the GIL again. Most of
the time nothing has changed since the last time the same query was asked.

SQLite in WAL mode already keeps what tells: the header of its wal-index,
the ``-shm`` file every connection maps (https://sqlite.org/walformat.html).
A commit rewrites it (its change counter and the WAL's last frame), a WAL
restart too (new salts), so a header equal to one seen before means no
commit since, by this or any other process. It is read here from a mapping
of that file: no system call, no GIL released. A caller asks the database
only when the mark moved, once per moved mark (see ``ResponseReplay``).

Where it cannot be read safely (PostgreSQL, a database in memory, a
database not in WAL mode, a header being written) :meth:`mark` is None and
the caller asks the database every time, as before.
"""

import mmap
import os
import sqlite3
import threading
import time

# The wal-index header is 48 bytes, kept twice in a row: a writer rewrites
# the second copy, then the first; a reader that finds them equal has one
# consistent header.
HEADER_SIZE = 48
IS_INIT_OFFSET = 12
# How often a mark makes sure that it still maps the file SQLite uses: the
# one system call it makes, at most once per interval per process.
RECHECK_SECONDS = 1.0


class NoChangeMark:
    """For databases whose changes cannot be seen without asking them."""

    def mark(self):
        return None


class WalIndexMark:
    """The wal-index header of the SQLite database at ``path`` (see the
    module), or None when it cannot be read safely."""

    def __init__(self, path, recheck_seconds=RECHECK_SECONDS):
        self.path = path
        self.shm_path = path + "-shm"
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._view = None
        self._checked_at = 0.0

    def mark(self):
        if time.monotonic() - self._checked_at >= self.recheck_seconds:
            self._recheck()
        view = self._view
        if view is None:
            return None
        header = view.mapping[: 2 * HEADER_SIZE]
        first = header[:HEADER_SIZE]
        if first != header[HEADER_SIZE:] or not first[IS_INIT_OFFSET]:
            return None  # being written, or not initialised yet
        return first

    def _recheck(self):
        with self._lock:
            if time.monotonic() - self._checked_at < self.recheck_seconds:
                return  # another thread just did
            view = self._view
            if view is None or view.pid != os.getpid() or not view.maps(self.shm_path):
                self._view = _views.get(self.path)
            self._checked_at = time.monotonic()


class _SharedView:
    """A read-only mapping of a database's ``-shm`` file, and the connection
    that keeps that file in use.

    SQLite deletes the ``-wal`` and ``-shm`` files when the last connection
    to the database closes, and the next connection makes new ones: a
    mapping of the old file would then show a header that never changes
    again. The connection opened here (never used afterwards) holds the
    shared lock that makes every other connection's close leave the files
    alone while this process lives.

    The file descriptor is never closed: POSIX drops every lock a process
    holds on a file when it closes any descriptor of that file, and SQLite's
    connections in this process hold locks on this one."""

    def __init__(self, path):
        self.pid = os.getpid()
        keeper = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            (mode,) = keeper.execute("PRAGMA journal_mode").fetchone()
            if mode.lower() != "wal":
                raise _NotWal(mode)
            # A read maps the wal-index and takes the lock that keeps it.
            keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            if os.stat(path + "-shm").st_size < 2 * HEADER_SIZE:
                raise _NotWal("no wal-index yet")
        except BaseException:
            keeper.close()
            raise
        self.keeper = keeper
        fd = os.open(path + "-shm", os.O_RDONLY | os.O_CLOEXEC)
        _never_closed.append(fd)
        self.inode = os.fstat(fd).st_ino
        self.mapping = mmap.mmap(fd, 2 * HEADER_SIZE, mmap.MAP_SHARED, mmap.PROT_READ)

    def maps(self, shm_path):
        """Whether ``shm_path`` is still the file mapped here."""
        try:
            return os.stat(shm_path).st_ino == self.inode
        except OSError:
            return False


class _NotWal(Exception):
    pass


class _Views:
    """One view per database file and process: apps made again on the same
    database (tests, the command line) share it, since none may be closed."""

    def __init__(self):
        self._lock = threading.Lock()
        self._views = {}

    def get(self, path):
        with self._lock:
            key = (os.getpid(), path)
            view = self._views.get(key)
            if view is not None and view.maps(path + "-shm"):
                return view
            try:
                view = _SharedView(path)
            except (OSError, ValueError, sqlite3.Error, _NotWal):
                view = None
            if view is not None:
                self._views[key] = view
            return view


_views = _Views()
# See _SharedView: descriptors of -shm files, open for the process's life.
_never_closed = []


def for_engine(engine):
    """The change mark for ``engine``'s database."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return NoChangeMark()
    path = url.database
    if not path or path == ":memory:" or url.query.get("mode") == "memory":
        return NoChangeMark()
    return WalIndexMark(os.path.abspath(path))

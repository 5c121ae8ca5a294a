"""Files in the database itself: ``cheeseshop.storage = sql``.

Bytes live in ``blob_chunks`` rows of bounded size, so neither writing nor
reading a file ever holds more than one chunk. Bound to an upload's session
(:meth:`SQLStorage.for_transaction`), a file's bytes commit or roll back with
its rows: nothing to clean up after an abort.
"""

import contextlib

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from zope.interface import implementer

from cheeseshop.db.engines import get_engine
from cheeseshop.models.blobs import BLOBS, CHUNKS

from .errors import NotFound, StorageError
from .interfaces import IFileStorage
from .keys import check_key
from .streams import RemoteReadStream

CHUNK_SIZE = 1024 * 1024


@implementer(IFileStorage)
class SQLStorage:
    transactional = True
    OPTIONS = ()

    def __init__(self, engine, read_engine=None, connection=None):
        self.engine = engine
        # On SQLite, reads go through an engine whose transactions do not
        # take the write lock (see models.get_engine).
        self.read_engine = read_engine or engine
        self.connection = connection

    @classmethod
    def from_settings(cls, settings):
        engine = get_engine(settings)
        read_engine = (
            get_engine(settings, writer=False) if engine.dialect.name == "sqlite" else engine
        )
        return cls(engine, read_engine)

    def for_transaction(self, dbsession):
        return type(self)(self.engine, self.read_engine, connection=dbsession.connection())

    @contextlib.contextmanager
    def _writing(self):
        if self.connection is not None:
            with self.connection.begin_nested():
                yield self.connection
        else:
            with self.engine.begin() as connection:
                yield connection

    def store(self, key, fileobj, size, content_type="application/octet-stream"):
        check_key(key)
        with self._writing() as connection:
            try:
                with connection.begin_nested():
                    connection.execute(insert(BLOBS).values(key=key, size=size))
            except IntegrityError:
                return  # content-addressed: the same bytes are there already
            seq = written = 0
            while chunk := fileobj.read(CHUNK_SIZE):
                connection.execute(insert(CHUNKS).values(key=key, seq=seq, data=chunk))
                seq += 1
                written += len(chunk)
            if written != size:
                # Raised inside the transaction: the rows above roll back.
                raise StorageError(f"{key}: expected {size} bytes, the stream gave {written}")

    def open(self, key):
        return SQLReadStream(self.read_engine, key, self.size(key))

    def size(self, key):
        check_key(key)
        with self.read_engine.connect() as connection:
            size = connection.scalar(select(BLOBS.c.size).where(BLOBS.c.key == key))
        if size is None:
            raise NotFound(key)
        return size

    def delete(self, key):
        check_key(key)
        with self._writing() as connection:
            connection.execute(delete(CHUNKS).where(CHUNKS.c.key == key))
            connection.execute(delete(BLOBS).where(BLOBS.c.key == key))

    def exists(self, key):
        try:
            self.size(key)
        except NotFound:
            return False
        return True

    def url(self, key, request):
        return None

    def accel_redirect(self, key):
        # No web server reads the database's blobs.
        return None

    def keys(self):
        with self.read_engine.connect() as connection:
            result = connection.execute(
                select(BLOBS.c.key).order_by(BLOBS.c.key).execution_options(yield_per=1000)
            )
            for (key,) in result:
                yield key

    def partial_writes(self):
        return []  # a write that did not finish rolled back with its transaction

    def remove_partial(self, name):
        raise StorageError(f"{name}: the SQL backend leaves no partial writes")


class SQLReadStream(RemoteReadStream):
    """Reads one chunk at a time, each with a short-lived connection, so a
    slow client never holds a database connection."""

    def __init__(self, engine, key, size):
        super().__init__()
        self.engine = engine
        self.key = key
        self.size = size
        self.buffer = b""

    def _chunk(self, seq):
        with self.engine.connect() as connection:
            data = connection.scalar(
                select(CHUNKS.c.data).where(CHUNKS.c.key == self.key, CHUNKS.c.seq == seq)
            )
        if data is None:
            raise NotFound(self.key)
        return bytes(data)

    def _fetch(self, n):
        if n is None:
            n = self.size - self.position
        parts, position = [], self.position
        while n > 0 and position < self.size:
            if not self.buffer:
                seq, offset = divmod(position, CHUNK_SIZE)
                self.buffer = self._chunk(seq)[offset:]
            part, self.buffer = self.buffer[:n], self.buffer[n:]
            parts.append(part)
            position += len(part)
            n -= len(part)
        return b"".join(parts)

    def _reposition(self):
        self.buffer = b""

    def close(self):
        self.buffer = b""
        super().close()

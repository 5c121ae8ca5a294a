"""The contract every IFileStorage backend passes.

Subclass :class:`StorageContract` in a test module, with a ``storage``
fixture that yields a fresh, empty backend; the tests run unchanged against
it. The mixin's name does not start with ``Test``, so pytest collects only
the subclasses.
"""

import hashlib
import io
import os
import threading

import pytest
from zope.interface.verify import verifyObject

from cheeseshop.storage.errors import InvalidKey, NotFound, StorageError
from cheeseshop.storage.interfaces import IFileStorage
from cheeseshop.storage.keys import file_key, metadata_key

LARGE_SIZE = int(os.environ.get("CHEESESHOP_TEST_LARGE_FILE_MB", "128")) * 1024 * 1024


class PatternStream:
    """``size`` bytes of a repeating pattern, produced as they are read: a
    large file that never exists whole in memory."""

    def __init__(self, size, seed=b"cheeseshop"):
        self.size = size
        self.position = 0
        self.block = hashlib.sha256(seed).digest() * 2048  # 64 KiB

    def read(self, n=-1):
        remaining = self.size - self.position
        if n is None or n < 0 or n > remaining:
            n = remaining
        out = bytearray()
        while len(out) < n:
            offset = (self.position + len(out)) % len(self.block)
            out += self.block[offset : offset + n - len(out)]
        self.position += n
        return bytes(out)


def key_for(data: bytes, filename="demo-1.0-py3-none-any.whl"):
    return file_key(hashlib.blake2b(data, digest_size=32).hexdigest(), filename)


def read_all(storage, key):
    with storage.open(key) as stream:
        return stream.read()


class StorageContract:
    def test_implements_the_interface(self, storage):
        assert verifyObject(IFileStorage, storage)

    def test_store_then_open(self, storage):
        key = key_for(b"wheel bytes")
        storage.store(key, io.BytesIO(b"wheel bytes"), 11)
        assert storage.exists(key)
        assert read_all(storage, key) == b"wheel bytes"
        assert storage.size(key) == 11

    def test_open_streams_are_seekable(self, storage):
        key = key_for(b"0123456789")
        storage.store(key, io.BytesIO(b"0123456789"), 10)
        with storage.open(key) as stream:
            stream.seek(4)
            assert stream.read(3) == b"456"

    def test_missing_key(self, storage):
        key = key_for(b"never stored")
        assert not storage.exists(key)
        with pytest.raises(NotFound):
            storage.open(key)
        with pytest.raises(NotFound):
            storage.size(key)
        storage.delete(key)  # not an error

    def test_delete(self, storage):
        key = key_for(b"gone")
        storage.store(key, io.BytesIO(b"gone"), 4)
        storage.delete(key)
        assert not storage.exists(key)
        assert key not in set(storage.keys())

    def test_keys_lists_everything_stored(self, storage):
        stored = set()
        for i in range(5):
            data = f"file {i}".encode()
            key = key_for(data, f"demo-{i}.tar.gz")
            storage.store(key, io.BytesIO(data), len(data))
            stored.add(key)
        storage.store(metadata_key(key), io.BytesIO(b"Name: demo"), 10)
        stored.add(metadata_key(key))
        assert set(storage.keys()) == stored

    def test_short_stream_is_refused_and_leaves_nothing(self, storage):
        key = key_for(b"short")
        with pytest.raises(StorageError):
            storage.store(key, io.BytesIO(b"short"), 100)
        assert not storage.exists(key)
        assert list(storage.keys()) == []

    def test_failing_stream_leaves_nothing(self, storage):
        class Broken:
            def __init__(self):
                self.calls = 0

            def read(self, n=-1):
                self.calls += 1
                if self.calls > 2:
                    raise OSError("client went away")
                return b"x" * min(n, 1024) if n > 0 else b"x" * 1024

        key = key_for(b"broken")
        # Either the stream's own error, or the backend noticing the bytes
        # fell short: never a stored key.
        with pytest.raises((OSError, StorageError)):
            storage.store(key, Broken(), 10 * 1024 * 1024)
        assert not storage.exists(key)
        assert list(storage.keys()) == []
        assert list(storage.partial_writes()) == []

    def test_accel_redirect_is_a_uri_path_or_none(self, storage):
        # None unless configured: the application then sends the bytes itself.
        key = key_for(b"handed over", "demo-1.0+local-py3-none-any.whl")
        storage.store(key, io.BytesIO(b"handed over"), 11)
        uri = storage.accel_redirect(key)
        assert uri is None or (uri.startswith("/") and "+" not in uri)

    @pytest.mark.parametrize(
        "key", ["../escape.whl", "/abs/olute.whl", "a/../../b.whl", "a\\b.whl", ""]
    )
    def test_keys_cannot_escape(self, storage, key):
        with pytest.raises(InvalidKey):
            storage.store(key, io.BytesIO(b"x"), 1)

    def test_large_file_streams_through(self, storage):
        source = PatternStream(LARGE_SIZE)
        expected = hashlib.sha256()
        check = PatternStream(LARGE_SIZE)
        while block := check.read(1024 * 1024):
            expected.update(block)
        key = key_for(b"large", "large-1.0-py3-none-any.whl")
        storage.store(key, source, LARGE_SIZE)
        assert storage.size(key) == LARGE_SIZE
        got = hashlib.sha256()
        with storage.open(key) as stream:
            while block := stream.read(1024 * 1024):
                got.update(block)
        assert got.hexdigest() == expected.hexdigest()

    def test_concurrent_writers_of_one_key(self, storage):
        data = os.urandom(4 * 1024 * 1024)
        key = key_for(data)
        errors = []

        def write():
            try:
                storage.store(key, io.BytesIO(data), len(data))
            except Exception as exc:  # noqa: BLE001 - collected and asserted
                errors.append(exc)

        threads = [threading.Thread(target=write) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert read_all(storage, key) == data

    def test_reader_during_a_write_sees_all_or_nothing(self, storage):
        size = 16 * 1024 * 1024
        key = key_for(b"being written")
        started, seen = threading.Event(), []

        class SlowStream(PatternStream):
            def read(self, n=-1):
                started.set()
                return super().read(min(n, 256 * 1024) if n and n > 0 else 256 * 1024)

        writer = threading.Thread(target=storage.store, args=(key, SlowStream(size), size))
        writer.start()
        started.wait(10)
        while writer.is_alive():
            if storage.exists(key):
                try:
                    seen.append(storage.size(key))
                except NotFound:
                    pass
        writer.join()
        assert all(s == size for s in seen)
        assert storage.size(key) == size

"""Where a bulk fill (``bulk_corpus``) puts the bytes: the same keys, bytes
and content type as ``IFileStorage.store`` would, in one of three ways.

- ``ThreadedStore``: ``IFileStorage.store`` itself, by a pool of threads
  (any backend, e.g. a real S3: its requests release the GIL).
- ``FolderStore``: a folder's files written where ``FilesystemStorage``
  puts them, without its fsync per file; one ``syncfs`` per batch before
  the batch's rows commit, so bytes are still on disk before any row names
  them (the 500,000-file fill: ~1,000 files/s on the shared 2-core
  machine, against ~680 with ``store``'s fsync per file in 32 threads).
- ``MotoStore``: objects put straight into an in-process moto server's
  bucket (``ThreadedMotoServer``), which then serves them over HTTP like
  any S3. Over HTTP, moto spends ~5 ms of CPU per PUT and boto3's
  ``upload_fileobj`` as much (84 files/s): the 830,000 objects of 500,000
  files would take over an hour and a half on 2 cores.

Each has ``put(key, content)``, ``flush()`` (every put so far is stored,
or the first failure is raised) and ``close()``."""

from __future__ import annotations

import concurrent.futures
import ctypes
import io
import os

CONTENT_TYPE = "application/octet-stream"  # what IFileStorage.store is given


class ThreadedStore:
    def __init__(self, storage, threads: int = 32):
        self.storage = storage
        self.pool = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="store")
        self.pending = []

    def put(self, key: str, content: bytes) -> None:
        self.pending.append(self.pool.submit(self._store, key, content))

    def _store(self, key, content):
        self.storage.store(key, io.BytesIO(content), len(content))

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True)


class FolderStore:
    """Files at ``storage._path(key)``, mode 0644 as ``store`` leaves them,
    kept until ``flush`` and written then. One thread writes them: creating
    a file and its hash folder is the kernel's work (~0.5 ms on the shared
    machine), and more threads made it slower, not faster (more system
    time, and each short syscall takes the GIL from the filling thread)."""

    def __init__(self, storage):
        self.storage = storage
        self.root_fd = os.open(storage.root, os.O_RDONLY)
        self.pending = []

    def put(self, key: str, content: bytes) -> None:
        self.pending.append((self.storage._path(key), content))

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for path, content in pending:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.fchmod(fd, 0o644)  # whatever the umask
                view = memoryview(content)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        _syncfs(self.root_fd)

    def close(self) -> None:
        os.close(self.root_fd)


def _syncfs(fd: int) -> None:
    """Every write to the file system holding ``fd`` on disk (Linux's
    syncfs; elsewhere, sync all)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.syncfs(fd) == 0:
            return
    except (OSError, AttributeError):
        pass
    os.sync()


class MotoStore:
    """Objects in a bucket of the moto server running in this process."""

    def __init__(self, bucket: str, prefix: str = ""):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        self.backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def put(self, key: str, content: bytes) -> None:
        stored = self.backend.put_object(self.bucket, self.prefix + key, content)
        stored.set_metadata({"Content-Type": CONTENT_TYPE})

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def store_for(storage, threads: int = 32):
    """The fastest honest way to fill ``storage`` from outside its process:
    ``FolderStore`` for a folder, else ``IFileStorage.store`` in threads."""
    from cheeseshop.storage.filesystem import FilesystemStorage

    if isinstance(storage, FilesystemStorage):
        return FolderStore(storage)
    return ThreadedStore(storage, threads)

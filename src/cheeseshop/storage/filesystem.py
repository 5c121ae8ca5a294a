"""Files in a folder: ``cheeseshop.storage.path``."""

import os
import tempfile

from zope.interface import implementer

from .errors import NotFound, StorageError
from .interfaces import IFileStorage
from .keys import check_key

CHUNK_SIZE = 1024 * 1024


@implementer(IFileStorage)
class FilesystemStorage:
    transactional = False
    OPTIONS = ("path",)

    def __init__(self, root):
        self.root = os.path.abspath(root)

    @classmethod
    def from_settings(cls, settings):
        path = settings.storage_option("path")
        if not path:
            raise StorageError("cheeseshop.storage.path (CHEESESHOP_STORAGE_PATH) is not set")
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the folder {path} ({exc.strerror})") from exc
        if not os.access(path, os.W_OK | os.X_OK):
            raise StorageError(f"cannot write in the folder {path}")
        return cls(path)

    def _path(self, key):
        return os.path.join(self.root, *check_key(key).split("/"))

    def for_transaction(self, dbsession):
        return self

    def store(self, key, fileobj, size, content_type="application/octet-stream"):
        path = self._path(key)
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        # Write beside the target and rename: readers see all or nothing.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                written = 0
                while chunk := fileobj.read(CHUNK_SIZE):
                    out.write(chunk)
                    written += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            # mkstemp makes files only their owner may read; a web server
            # serving the folder directly must be able to as well.
            os.chmod(tmp, 0o644)
            if written != size:
                raise StorageError(f"{key}: expected {size} bytes, the stream gave {written}")
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def open(self, key):
        try:
            return open(self._path(key), "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise NotFound(key) from exc

    def size(self, key):
        try:
            return os.stat(self._path(key)).st_size
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(key) from exc

    def delete(self, key):
        path = self._path(key)
        try:
            os.unlink(path)
        except FileNotFoundError:
            return
        # Prune the emptied hash folders, never the root.
        folder = os.path.dirname(path)
        while folder != self.root:
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)

    def exists(self, key):
        return os.path.isfile(self._path(key))

    def url(self, key, request):
        return None

    def keys(self):
        for folder, dirs, files in os.walk(self.root):
            dirs.sort()
            for name in sorted(files):
                if name.startswith(".tmp-"):
                    continue
                rel = os.path.relpath(os.path.join(folder, name), self.root)
                yield rel.replace(os.sep, "/")

    def partial_writes(self):
        for folder, dirs, files in os.walk(self.root):
            dirs.sort()
            for name in sorted(files):
                if name.startswith(".tmp-"):
                    rel = os.path.relpath(os.path.join(folder, name), self.root)
                    yield rel.replace(os.sep, "/")

    def remove_partial(self, name):
        folder, _, base = name.rpartition("/")
        if not base.startswith(".tmp-"):
            raise StorageError(f"{name} is not a partial write")
        try:
            os.unlink(os.path.join(self.root, *check_key(folder).split("/"), base))
        except FileNotFoundError:
            pass

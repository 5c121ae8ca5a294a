"""Files in a folder: ``cheeseshop.storage.path``.

With ``cheeseshop.storage.accel_redirect = /_stored/``, downloads are handed
to nginx in front (``X-Accel-Redirect: /_stored/<key>``), which serves the
file from an ``internal`` location aliasing the folder.
"""

import contextlib
import errno
import os
import tempfile
import urllib.parse

from zope.interface import implementer

from .errors import NotFound, StorageError, StorageFull
from .interfaces import IFileStorage
from .keys import check_key

CHUNK_SIZE = 1024 * 1024
# A full disk, or the user's quota on it.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})


@contextlib.contextmanager
def _failing_as_storage(key, doing):
    """The folder's failures as StorageErrors (StorageFull when there is no
    room): the request fails in its class, and says which key and why."""
    try:
        yield
    except OSError as exc:
        cls = StorageFull if exc.errno in NO_ROOM else StorageError
        raise cls(f"{key}: cannot {doing} ({exc.strerror or exc})") from exc


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _accel_prefix(value):
    """The ``accel_redirect`` setting: empty for off, else the path of
    nginx's internal location, to which keys are appended."""
    if not value:
        return None
    # Printable ASCII without "%", "?", "#" or "\\": the keys are appended to
    # it and the whole sent as it is, which nginx would decode or cut.
    plain = all("!" <= c <= "~" and c not in "%?#\\" for c in value)
    if not (plain and value.startswith("/") and value.endswith("/")):
        raise StorageError(
            f"cheeseshop.storage.accel_redirect = {value}: the path of nginx's internal "
            "location, beginning and ending with '/' (e.g. /_stored/), or empty for off"
        )
    return value


@implementer(IFileStorage)
class FilesystemStorage:
    transactional = False
    OPTIONS = ("path", "accel_redirect")

    def __init__(self, root, accel_redirect=None):
        self.root = os.path.abspath(root)
        self.accel_prefix = accel_redirect or None

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
        return cls(path, accel_redirect=_accel_prefix(settings.storage_option("accel_redirect")))

    def _path(self, key):
        return os.path.join(self.root, *check_key(key).split("/"))

    def for_transaction(self, dbsession):
        return self

    def store(self, key, fileobj, size, content_type="application/octet-stream"):
        path = self._path(key)
        folder = os.path.dirname(path)
        tmp = None
        try:
            # Write beside the target and rename: readers see all or nothing.
            with _failing_as_storage(key, "create a file in its folder"):
                fd, tmp = self._temporary_file(folder)
            try:
                written = 0
                # A failing read is the stream's (a client gone): raised as is.
                while chunk := fileobj.read(CHUNK_SIZE):
                    with _failing_as_storage(key, "write"):
                        _write_all(fd, chunk)
                    written += len(chunk)
                if written != size:
                    raise StorageError(f"{key}: expected {size} bytes, the stream gave {written}")
                with _failing_as_storage(key, "write"):
                    os.fsync(fd)
            finally:
                with _failing_as_storage(key, "write"):
                    os.close(fd)
            with _failing_as_storage(key, "write"):
                # mkstemp makes files only their owner may read; a web server
                # serving the folder directly must be able to as well.
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
        except BaseException:
            # Nothing left behind: neither the partial file nor the folders
            # made for it.
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except FileNotFoundError:
                    pass
            self._prune(folder)
            raise

    def _temporary_file(self, folder):
        # Another store's failure, or a delete, may prune the folder between
        # makedirs and mkstemp: make it again.
        for attempt in range(3):
            os.makedirs(folder, exist_ok=True)
            try:
                return tempfile.mkstemp(dir=folder, prefix=".tmp-")
            except FileNotFoundError:
                if attempt == 2:
                    raise

    def _prune(self, folder):
        """Remove the emptied hash folders from ``folder`` up, never the root."""
        while folder != self.root and folder.startswith(self.root + os.sep):
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)

    def open(self, key):
        try:
            return open(self._path(key), "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise NotFound(key) from exc
        except OSError as exc:  # e.g. out of file descriptors: try again later
            raise StorageError(f"{key}: cannot open ({exc.strerror or exc})") from exc

    def size(self, key):
        try:
            return os.stat(self._path(key)).st_size
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"{key}: cannot read its size ({exc.strerror or exc})") from exc

    def delete(self, key):
        path = self._path(key)
        try:
            os.unlink(path)
        except FileNotFoundError:
            return
        self._prune(os.path.dirname(path))

    def exists(self, key):
        return os.path.isfile(self._path(key))

    def url(self, key, request):
        return None

    def accel_redirect(self, key):
        if self.accel_prefix is None:
            return None
        # nginx percent-decodes the URI before mapping it to the folder: a
        # "%" in a filename must reach it encoded, and everything but RFC
        # 3986's unreserved characters ("+" too) is, so that none is read
        # as something else on the way.
        return self.accel_prefix + urllib.parse.quote(check_key(key), safe="/")

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

class StorageError(Exception):
    """A backend failed; the message says which key and why."""


class StorageFull(StorageError):
    """No room left (a full disk, an exhausted quota): nothing was stored
    under the key, and no partial write was left behind."""


class NotFound(StorageError, KeyError):
    """No bytes are stored under the key."""

    def __str__(self):
        return f"no file stored under {self.args[0]!r}"


class InvalidKey(StorageError, ValueError):
    """A key that would escape the storage root or is otherwise malformed."""

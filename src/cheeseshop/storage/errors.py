class StorageError(Exception):
    """A backend failed; the message says which key and why."""


class NotFound(StorageError, KeyError):
    """No bytes are stored under the key."""

    def __str__(self):
        return f"no file stored under {self.args[0]!r}"


class InvalidKey(StorageError, ValueError):
    """A key that would escape the storage root or is otherwise malformed."""

"""Content-addressed storage keys, laid out as pypi.org's are."""

import posixpath

from .errors import InvalidKey


def file_key(blake2_256_hexdigest: str, filename: str) -> str:
    d = blake2_256_hexdigest
    return f"{d[:2]}/{d[2:4]}/{d[4:]}/{filename}"


def metadata_key(file_key: str) -> str:
    return file_key + ".metadata"


def check_key(key: str) -> str:
    """Refuse keys that are absolute or climb out of the storage root."""
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or "\x00" in key
        or posixpath.normpath(key) != key
        or key.split("/")[0] == ".."
    ):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key

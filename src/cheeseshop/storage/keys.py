"""Content-addressed storage keys, laid out as pypi.org's are."""

import posixpath

from .errors import InvalidKey

# A key's segments: ab / cd / <rest of the digest> / <filename>.
SEGMENTS = 4


def file_key(blake2_256_hexdigest: str, filename: str) -> str:
    d = blake2_256_hexdigest
    return f"{d[:2]}/{d[2:4]}/{d[4:]}/{filename}"


METADATA_SUFFIX = ".metadata"


def metadata_key(file_key: str) -> str:
    """Where a file's PEP 658 metadata is stored: beside it, as the URL is."""
    return file_key + METADATA_SUFFIX


def is_metadata_key(key: str) -> bool:
    return key.endswith(METADATA_SUFFIX)


def file_key_of(key: str) -> str:
    """The file a stored key belongs to: itself, or the file of a .metadata key."""
    return key.removesuffix(METADATA_SUFFIX)


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

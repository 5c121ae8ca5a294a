"""An upload's bytes: received in bounded memory, hashed, checked against the form's digests."""

import dataclasses
import hashlib
import tempfile

from cheeseshop.publishing.errors import FileTooLarge, InvalidDistribution

COPY_CHUNK = 1024 * 1024


@dataclasses.dataclass
class ReceivedFile:
    """An uploaded file on disk, with its size and digests."""

    file: object
    size: int
    md5: str
    sha256: str
    blake2_256: str
    owned: bool = True

    def close(self):
        if self.owned:
            self.file.close()


def receive(stream, max_size: int) -> ReceivedFile:
    """Hash the upload, never holding more than one chunk in memory.

    A stream that is already a seekable file on disk (the form parser spools
    uploads to one) is hashed where it lies; anything else is copied to a
    temporary file first. Stops with FileTooLarge as soon as more than
    ``max_size`` bytes were read.
    """
    in_place = _is_disk_file(stream)
    out = stream if in_place else tempfile.TemporaryFile()
    md5, sha256 = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    blake2 = hashlib.blake2b(digest_size=32)
    size = 0
    try:
        if in_place:
            stream.seek(0)
        while chunk := stream.read(COPY_CHUNK):
            size += len(chunk)
            if size > max_size:
                raise FileTooLarge(file_too_large_message(max_size))
            md5.update(chunk)
            sha256.update(chunk)
            blake2.update(chunk)
            if not in_place:
                out.write(chunk)
    except BaseException:
        if not in_place:
            out.close()
        raise
    out.seek(0)
    return ReceivedFile(
        out, size, md5.hexdigest(), sha256.hexdigest(), blake2.hexdigest(), owned=not in_place
    )


def _is_disk_file(stream):
    try:
        stream.fileno()
        return stream.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def file_too_large_message(max_size: int) -> str:
    return f"File too large. Limit is {format_size(max_size)} ({max_size} bytes)."


def format_size(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:g} {unit}" if unit != "bytes" else f"{size} bytes"
        size /= 1024


def check_digests(received: ReceivedFile, md5=None, sha256=None, blake2_256=None):
    given = {"md5": md5, "sha256": sha256, "blake2_256": blake2_256}
    if not any(given.values()):
        raise InvalidDistribution(
            "Include at least one message digest (md5_digest, sha256_digest or blake2_256_digest)."
        )
    for algorithm, digest in given.items():
        if not digest:
            continue
        digest = digest.strip().lower()
        if algorithm == "blake2_256" and len(digest) == 128:
            # Python 3.11's distutils sends a 512-bit BLAKE2b digest under
            # this name (CPython gh-89753); check it as what it is.
            actual = _blake2b_512(received)
        else:
            actual = getattr(received, algorithm)
        if digest != actual:
            raise InvalidDistribution(
                f"The digest supplied does not match a digest calculated from the "
                f"uploaded file ({algorithm})."
            )


def _blake2b_512(received):
    digest = hashlib.blake2b()
    received.file.seek(0)
    while chunk := received.file.read(COPY_CHUNK):
        digest.update(chunk)
    received.file.seek(0)
    return digest.hexdigest()

"""Copy every referenced object from one storage to another.

What is referenced comes from the database: each file row's ``path``, and
its ``.metadata`` when the row records a ``metadata_sha256``. Each object is
streamed from the source into the target through a reader that hashes it on
the way, and checked against the sha256 the row records once the target has
stored it; bytes that do not match are deleted from the target again.

A copy is resumable: a key the target already holds with the right size is
skipped (stores are atomic, so a key of the right size is a finished copy).
The source is only read, so the index keeps serving from it meanwhile.
"""

import contextlib
import dataclasses
import hashlib

from cheeseshop.maintenance import referenced
from cheeseshop.storage.errors import NotFound, StorageError


@dataclasses.dataclass(frozen=True)
class Failure:
    key: str
    reason: str

    def __str__(self):
        return f"failed: {self.key} ({self.reason})"


@dataclasses.dataclass
class MigrationReport:
    copied: int = 0
    skipped: int = 0  # already in the target with the right size
    failures: list[Failure] = dataclasses.field(default_factory=list)

    @property
    def complete(self):
        return not self.failures

    def summary(self):
        return (
            f"copied {self.copied}, skipped {self.skipped} already in the target, "
            f"failed {len(self.failures)}"
        )


class HashingReader:
    """A stream that hashes and counts the bytes its reader takes."""

    def __init__(self, stream):
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.stream.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


def copy_referenced(engine, source, target, progress=lambda rows: None):
    """Copy what every file row references from ``source`` to ``target``.

    ``progress(n)`` is called as rows are done (for a progress bar whose
    length is :func:`cheeseshop.maintenance.referenced.count_files`)."""
    report = MigrationReport()
    for objects in referenced.iter_files(engine):
        for expected in objects:
            # A .metadata object's size is not recorded: the source's is the
            # one to expect.
            copy_object(source, target, expected.key, expected.sha256, expected.size, report)
        progress(1)
    return report


def copy_object(source, target, key, sha256, size, report):
    """Copy one key, verifying its sha256; the outcome goes into ``report``."""
    try:
        if size is None:
            size = source.size(key)
        if _holds(target, key, size):
            report.skipped += 1
            return
        with contextlib.closing(source.open(key)) as stream:
            reader = HashingReader(stream)
            target.store(key, reader, size)
    except NotFound:
        report.failures.append(Failure(key, "missing in the source"))
        return
    except (StorageError, OSError) as exc:
        # A store that fails stores nothing (stores are atomic).
        report.failures.append(Failure(key, str(exc)))
        return
    if reader.size != size or reader.sha256.hexdigest() != sha256:
        reason = "sha256 mismatch: the source's bytes are not the recorded ones"
        try:
            target.delete(key)
        except StorageError as exc:
            reason += f"; removing them from the target failed too ({exc})"
        report.failures.append(Failure(key, reason))
        return
    report.copied += 1


def _holds(storage, key, size):
    try:
        return storage.size(key) == size
    except NotFound:
        return False

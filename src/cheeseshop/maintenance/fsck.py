"""fsck: does storage hold exactly what the database says it holds?

Every file row must have its bytes, of the recorded size and sha256, and its
PEP 658 ``.metadata`` when the row records a ``metadata_sha256``; every stored
key must be referenced by a row (a row's ``path``, or that path +
``.metadata``). Stored keys nobody references are orphans: bytes left behind
by a crash between storing them and the abort hook removing them. Partial
writes (a temporary file, an incomplete multipart upload) are what a crash
in the middle of storing leaves.

The functions take a SQLAlchemy engine, not a session: the row scan is one
long read, and each orphan check needs a fresh transaction so that it sees
rows committed after the scan began (an SQLite read transaction keeps the
snapshot it started with).
"""

import collections
import contextlib
import dataclasses
import hashlib
import itertools

from sqlalchemy import select

from cheeseshop.maintenance import referenced
from cheeseshop.models.catalog import File
from cheeseshop.models.upstream import UPSTREAM_OBJECTS
from cheeseshop.storage.errors import NotFound, StorageError
from cheeseshop.storage.keys import file_key_of

KEYS_PER_BATCH = 500
READ_SIZE = 1024 * 1024

MISSING = "missing"
SIZE_MISMATCH = "size mismatch"
SHA256_MISMATCH = "sha256 mismatch"
UNREADABLE = "unreadable"
ORPHAN = "orphan"
PARTIAL = "partial write"


@dataclasses.dataclass(frozen=True)
class Problem:
    kind: str  # one of the constants above
    key: str
    detail: str = ""

    def __str__(self):
        return f"{self.kind}: {self.key}" + (f" ({self.detail})" if self.detail else "")


@dataclasses.dataclass
class Report:
    files: int = 0  # file rows checked
    metadata_files: int = 0  # .metadata objects checked
    stored_keys: int = 0  # keys listed in storage
    problems: list[Problem] = dataclasses.field(default_factory=list)
    # Filled by remove_orphans():
    removed: list[str] = dataclasses.field(default_factory=list)
    # Orphans a row referenced by the time repair asked again (an upload
    # that was in flight during the scan): not problems after all.
    now_referenced: list[str] = dataclasses.field(default_factory=list)
    removal_errors: list[Problem] = dataclasses.field(default_factory=list)

    @property
    def remaining(self):
        """The problems still there (every problem, unless repaired)."""
        resolved = set(self.removed) | set(self.now_referenced)
        return [p for p in self.problems if not (p.kind in (ORPHAN, PARTIAL) and p.key in resolved)]

    @property
    def clean(self):
        return not self.remaining

    def summary(self):
        checked = (
            f"checked {self.files} files, {self.metadata_files} metadata files, "
            f"{self.stored_keys} stored keys"
        )
        if not self.problems:
            return f"{checked}: no problems"
        counts = collections.Counter(p.kind for p in self.problems)
        kinds = ", ".join(f"{kind}: {n}" for kind, n in counts.items())
        problems = f"{len(self.problems)} problem" + ("s" if len(self.problems) != 1 else "")
        return f"{checked}: {problems} ({kinds})"


def check_index(engine, storage, progress=lambda rows: None):
    """Check every file row against storage, then look for orphans.

    ``progress(n)`` is called as rows are done (for a progress bar whose
    length is :func:`cheeseshop.maintenance.referenced.count_files`)."""
    report = Report()
    check_files(engine, storage, report, progress)
    find_orphans(engine, storage, report)
    report.problems.extend(Problem(PARTIAL, name) for name in storage.partial_writes())
    return report


def check_files(engine, storage, report, progress=lambda rows: None):
    for objects in referenced.iter_files(engine):
        report.files += 1
        for expected in objects:
            report.metadata_files += expected.is_metadata
            _check_object(storage, expected.key, expected.sha256, expected.size, report)
        progress(1)


def _check_object(storage, key, sha256, size, report):
    try:
        stored_size, stored_sha256 = _measure(storage, key)
    except NotFound:
        report.problems.append(Problem(MISSING, key))
        return
    except (StorageError, OSError) as exc:
        report.problems.append(Problem(UNREADABLE, key, str(exc)))
        return
    if size is not None and stored_size != size:
        # Different sizes mean different hashes too: one problem, the
        # more telling one.
        report.problems.append(Problem(SIZE_MISMATCH, key, f"db {size}, stored {stored_size}"))
    elif stored_sha256 != sha256:
        report.problems.append(Problem(SHA256_MISMATCH, key))


def _measure(storage, key):
    """(size, sha256 hex digest) of the stored bytes, read a block at a time."""
    sha256 = hashlib.sha256()
    size = 0
    with contextlib.closing(storage.open(key)) as stream:
        while block := stream.read(READ_SIZE):
            sha256.update(block)
            size += len(block)
    return size, sha256.hexdigest()


def find_orphans(engine, storage, report):
    """Stored keys no row references, asking the database a batch at a time."""
    for keys in _batches(storage.keys(), KEYS_PER_BATCH):
        report.stored_keys += len(keys)
        referenced = _referenced(engine, keys)
        report.problems.extend(Problem(ORPHAN, key) for key in keys if key not in referenced)


def remove_orphans(engine, storage, report):
    """Delete the report's orphans; rows and referenced bytes are never touched.

    Each orphan is checked against the database once more just before it is
    deleted: an upload stores its bytes a moment before its row commits, and
    one in flight during the scan looks like an orphan. Bytes whose row
    commits between that last check and the delete would still be lost, so
    repair an index while nobody uploads."""
    orphans = [p.key for p in report.problems if p.kind == ORPHAN]
    for keys in _batches(orphans, KEYS_PER_BATCH):
        referenced = _referenced(engine, keys)
        for key in keys:
            if key in referenced:
                report.now_referenced.append(key)
                continue
            try:
                storage.delete(key)
            except StorageError as exc:
                report.removal_errors.append(Problem("not removed", key, str(exc)))
            else:
                report.removed.append(key)
    # Partial writes were never referenced; the same caveat applies: a write
    # in progress looks like one.
    for problem in report.problems:
        if problem.kind == PARTIAL:
            try:
                storage.remove_partial(problem.key)
            except StorageError as exc:
                report.removal_errors.append(Problem("not removed", problem.key, str(exc)))
            else:
                report.removed.append(problem.key)


def _referenced(engine, keys):
    """Those of ``keys`` that a committed file row, or the pull-through
    cache, references."""
    candidates = {file_key_of(key) for key in keys}
    # A connection of its own: a new transaction sees the latest commits.
    with engine.connect() as connection:
        paths = set(connection.scalars(select(File.path).where(File.path.in_(candidates))))
        cached = set(
            connection.scalars(
                select(UPSTREAM_OBJECTS.c.path).where(UPSTREAM_OBJECTS.c.path.in_(keys))
            )
        )
    return {key for key in keys if file_key_of(key) in paths or key in cached}


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch

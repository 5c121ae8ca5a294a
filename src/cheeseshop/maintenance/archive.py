"""The dump's archive: one tar file, written and read as a stream.

Members, in this order:

- ``manifest.json``: what the archive holds (:class:`Manifest`);
- ``tables/<table>.jsonl``: one per table, in foreign-key order, a JSON
  object per row (:mod:`cheeseshop.maintenance.row_encoding`);
- ``files/<storage key>``: the bytes of every stored object the rows
  reference.

Every member carries the sha256 of its bytes in a PAX header (``comment =
sha256=<hex>``: a standard keyword, which other tar readers ignore without a
warning), so a loader knows a damaged member before it commits anything. A tar cut short between two members still looks whole to
a tar reader: the manifest's counts are what prove an archive complete.
Neither side ever seeks: ``cheeseshop dump - | ssh host cheeseshop load -``
works, and a name ending in ``.gz`` or ``.tgz`` is compressed on the way.
"""

import dataclasses
import hashlib
import io
import json
import tarfile
import zlib

from cheeseshop.maintenance.row_encoding import KINDS

FORMAT = "cheeseshop-dump"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "tables/"
FILES = "files/"
SHA256_PREFIX = "sha256="
COPY_BUFFER = 1024 * 1024
# Errors of a tar or gzip stream that is damaged, cut short or no tar at all.
READ_ERRORS = (tarfile.TarError, EOFError, zlib.error, OSError)


class ArchiveError(Exception):
    """The archive is damaged, incomplete or no cheeseshop dump; one line."""


@dataclasses.dataclass(frozen=True)
class DumpedTable:
    name: str
    columns: dict  # column name -> kind, in the table's order
    rows: int

    @property
    def member(self):
        return f"{TABLES}{self.name}.jsonl"


@dataclasses.dataclass(frozen=True)
class Manifest:
    alembic_revision: str
    cheeseshop_version: str
    created: str  # ISO 8601, UTC
    scrubbed: bool
    tables: tuple  # of DumpedTable, in foreign-key order
    files: int
    file_bytes: int

    @property
    def rows(self):
        return sum(table.rows for table in self.tables)

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "alembic_revision": self.alembic_revision,
            "cheeseshop_version": self.cheeseshop_version,
            "created": self.created,
            "scrubbed": self.scrubbed,
            "tables": [
                {
                    "name": table.name,
                    "columns": [{"name": n, "kind": k} for n, k in table.columns.items()],
                    "rows": table.rows,
                }
                for table in self.tables
            ],
            "files": {"count": self.files, "bytes": self.file_bytes},
        }
        return json.dumps(document, indent=1).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        try:
            document = json.loads(data)
        except ValueError as exc:
            raise ArchiveError(f"{MANIFEST} is not JSON ({exc})") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ArchiveError(f"not a cheeseshop dump ({MANIFEST} is another program's)")
        version = document.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ArchiveError(
                f"the dump's format version {version!r} is newer than this cheeseshop reads "
                f"({FORMAT_VERSION}): load it with the cheeseshop "
                f"{document.get('cheeseshop_version')!r} that made it, or a newer one"
            )
        try:
            tables = tuple(_table(entry) for entry in document["tables"])
            manifest = cls(
                alembic_revision=_typed(document["alembic_revision"], str),
                cheeseshop_version=_typed(document["cheeseshop_version"], str),
                created=_typed(document["created"], str),
                scrubbed=_typed(document["scrubbed"], bool),
                tables=tables,
                files=_typed(document["files"]["count"], int),
                file_bytes=_typed(document["files"]["bytes"], int),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ArchiveError(f"{MANIFEST} is malformed ({type(exc).__name__}: {exc})") from None
        if len({table.name for table in tables}) != len(tables):
            raise ArchiveError(f"{MANIFEST} is malformed (a table is listed twice)")
        return manifest


def _typed(value, kind):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{value!r} is not a {kind.__name__}")
    return value


def _table(entry) -> DumpedTable:
    columns = {}
    for column in entry["columns"]:
        if column["kind"] not in KINDS:
            raise ValueError(f"unknown column kind {column['kind']!r}")
        columns[_typed(column["name"], str)] = column["kind"]
    return DumpedTable(_typed(entry["name"], str), columns, _typed(entry["rows"], int))


class ArchiveWriter:
    """Adds members of known sizes to a tar stream on ``fileobj``."""

    def __init__(self, fileobj, *, compress=False, mtime=0):
        self.output = _Output(fileobj)
        self.tar = tarfile.open(
            fileobj=self.output, mode="w|gz" if compress else "w|", format=tarfile.PAX_FORMAT
        )
        self.tar.copybufsize = COPY_BUFFER
        self.mtime = mtime

    def add(self, name, stream, size, sha256=None):
        """Add ``size`` bytes read from ``stream`` as ``name``; a stream that
        gives fewer is an OSError (the archive is then unusable)."""
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = self.mtime
        info.mode = 0o644
        if sha256 is not None:
            info.pax_headers = {"comment": SHA256_PREFIX + sha256}
        self.tar.addfile(info, stream)
        # The tar object keeps every member's header otherwise: memory that
        # grows with the number of files, and a stream never needs it again.
        self.tar.members.clear()

    def add_bytes(self, name, data):
        self.add(name, io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest())

    def close(self):
        """Write the end of the archive (and of the gzip stream)."""
        self.tar.close()

    def abandon(self):
        """Write nothing more: a failed dump must not end its archive as if
        it were complete (the tar object would, when collected)."""
        self.output.abandoned = True


class _Output:
    def __init__(self, fileobj):
        self.fileobj = fileobj
        self.abandoned = False

    def write(self, data):
        if not self.abandoned:
            self.fileobj.write(data)


class ArchiveReader:
    """Reads a dump's members in order, as a stream."""

    def __init__(self, fileobj):
        try:
            self.tar = tarfile.open(fileobj=fileobj, mode="r|*")
        except READ_ERRORS as exc:
            raise ArchiveError(f"not a cheeseshop dump: not a tar archive ({exc})") from None

    def read_manifest(self) -> Manifest:
        member = self.next_member()
        if member is None or member.name != MANIFEST:
            raise ArchiveError(f"not a cheeseshop dump: it does not begin with {MANIFEST}")
        if member.size > 64 * 1024 * 1024:
            raise ArchiveError(f"{MANIFEST} is implausibly large ({member.size} bytes)")
        data = member.read_all()
        member.verify()
        return Manifest.from_json(data)

    def next_member(self):
        """The next :class:`Member`, or None at the end of the archive."""
        try:
            info = self.tar.next()
        except READ_ERRORS as exc:
            raise ArchiveError(f"the archive is damaged or cut short ({exc})") from None
        if info is None:
            return None
        self.tar.members.clear()  # see ArchiveWriter.add
        if not info.isreg():
            raise ArchiveError(f"unexpected member {info.name!r} (not a regular file)")
        comment = info.pax_headers.get("comment", "")
        sha256 = comment[len(SHA256_PREFIX) :] if comment.startswith(SHA256_PREFIX) else None
        return Member(info.name, info.size, sha256, self.tar, info)


class Member:
    """One member's bytes, read once, front to back. :meth:`verify` proves
    they were all read and are the ones the dump wrote."""

    def __init__(self, name, size, sha256, tar, info):
        self.name = name
        self.size = size
        self.expected_sha256 = sha256
        self.stream = tar.extractfile(info)
        self.sha256 = hashlib.sha256()
        self.read_size = 0

    def read(self, n=-1):
        try:
            data = self.stream.read(n)
        except READ_ERRORS as exc:
            raise ArchiveError(
                f"{self.name}: the archive is damaged or cut short ({exc})"
            ) from None
        self.sha256.update(data)
        self.read_size += len(data)
        return data

    def read_all(self):
        return self.read()

    def lines(self):
        """The member's lines (bytes), hashed as they are read."""
        while True:
            try:
                line = self.stream.readline()
            except READ_ERRORS as exc:
                raise ArchiveError(
                    f"{self.name}: the archive is damaged or cut short ({exc})"
                ) from None
            if not line:
                return
            self.sha256.update(line)
            self.read_size += len(line)
            yield line

    def verify(self):
        if self.read_size != self.size:
            raise ArchiveError(f"{self.name}: {self.read_size} of {self.size} bytes read")
        if self.expected_sha256 is None:
            raise ArchiveError(f"{self.name}: no sha256 (not written by cheeseshop dump)")
        if self.sha256.hexdigest() != self.expected_sha256:
            raise ArchiveError(f"{self.name}: the bytes are damaged (sha256 mismatch)")

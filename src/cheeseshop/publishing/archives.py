"""The metadata inside a distribution's archive: a wheel's METADATA, an
sdist's PKG-INFO, read with bounds that trust nothing the archive says.

Sizes in an archive's headers are claims, not facts: a member is inflated at
most to the metadata limit, whatever its header declares; the number of
members, the size of a zip's central directory and the bytes a tar sdist
inflates to are capped. A zip whose local headers and central directory
disagree, that hides data between or before its members, or that names a
file twice ("ZIP confusion", which pypi.org refuses as well) is refused, as
is a distribution with two METADATA or PKG-INFO files that tools might read
differently.
"""

import dataclasses
import gzip
import io
import struct
import zipfile
import zlib

import packaging.utils
import packaging.version

from cheeseshop.publishing.errors import InvalidDistribution
from cheeseshop.publishing.filenames import DistributionFilename
from cheeseshop.publishing.receiving import format_size

READ_SIZE = 64 * 1024
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# A zip's central directory: a few hundred bytes per member is plenty.
CENTRAL_DIRECTORY_BYTES_PER_MEMBER = 1024
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"
# Tar members that describe the next member (GNU long names, pax headers):
# their data is read into memory, so it must stay small.
MAX_TAR_EXTENSION_SIZE = 64 * 1024


@dataclasses.dataclass(frozen=True)
class ArchiveLimits:
    max_members: int
    max_inflated_size: int  # bytes a tar sdist may inflate to
    max_metadata_size: int  # bytes of METADATA / PKG-INFO

    @classmethod
    def from_settings(cls, settings):
        return cls(
            max_members=settings.archive_max_members,
            max_inflated_size=settings.archive_max_inflated_size,
            max_metadata_size=settings.archive_max_metadata_size,
        )


def _invalid(filename, reason):
    return InvalidDistribution(f"Invalid distribution file {filename.filename!r}: {reason}.")


# -- zip archives (wheels, legacy .zip sdists) -----------------------------


def _open_zip(file, filename, limits):
    """A ZipFile, once its size and structure are known to be sound."""
    file.seek(0, io.SEEK_END)
    archive_size = file.tell()
    file.seek(0)
    # zipfile's own reader of the end record (it handles zip64 and comments):
    # the member count and directory size are checked before zipfile reads
    # the whole central directory into memory.
    try:
        end = zipfile._EndRecData(file)
    except (OSError, struct.error) as exc:
        raise _invalid(filename, f"not a valid zip archive ({exc})") from exc
    if end is None:
        raise _invalid(filename, "not a zip archive")
    members, directory_size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if members > limits.max_members:
        raise _invalid(filename, f"it has {members} members; the limit is {limits.max_members}")
    if directory_size > max(members, 1) * CENTRAL_DIRECTORY_BYTES_PER_MEMBER:
        raise _invalid(filename, "its central directory is larger than its members need")
    try:
        archive = zipfile.ZipFile(file)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as exc:
        raise _invalid(filename, f"not a valid zip archive ({exc})") from exc
    try:
        _check_zip_structure(archive, file, archive_size, filename)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_zip_structure(archive, file, archive_size, filename):
    infos = archive.infolist()
    names = set()
    expected_offset = 0  # nothing before the first member
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.filename in names:
            raise _invalid(filename, f"it contains {info.filename!r} twice")
        names.add(info.filename)
        if info.header_offset != expected_offset:
            raise _invalid(filename, f"unexpected data before {info.filename!r}")
        file.seek(info.header_offset)
        header = file.read(LOCAL_HEADER.size)
        if len(header) != LOCAL_HEADER.size:
            raise _invalid(filename, f"the local header of {info.filename!r} is cut short")
        (
            signature,
            _version,
            flags,
            method,
            _time,
            _date,
            _crc,
            _csize,
            _size,
            name_length,
            extra_length,
        ) = LOCAL_HEADER.unpack(header)
        local_name = file.read(name_length)
        central_name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        if (
            signature != LOCAL_HEADER_SIGNATURE
            or local_name != central_name
            or method != info.compress_type
        ):
            raise _invalid(
                filename,
                f"the local header of {info.filename!r} does not match the central directory",
            )
        expected_offset = (
            info.header_offset + LOCAL_HEADER.size + name_length + extra_length + info.compress_size
        )
        if flags & 0x08:
            expected_offset = _after_data_descriptor(file, expected_offset, info)
    if archive.start_dir != expected_offset:
        raise _invalid(filename, "unexpected data after the last member")
    if archive.start_dir > archive_size:
        raise _invalid(filename, "the central directory lies beyond the end of the file")


def _after_data_descriptor(file, offset, info):
    """Where the next member starts after a data descriptor (its signature
    is optional, its sizes 4 or 8 bytes long)."""
    file.seek(offset)
    head = file.read(4)
    start = offset + 4 if head == b"PK\x07\x08" else offset
    sizes = 16 if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF else 8
    return start + 4 + sizes


def _read_member(archive, info, limit, filename):
    """At most ``limit`` bytes of a member, inflated; more is an error."""
    if info.compress_type not in READABLE_METHODS:
        # zipfile inflates bzip2 and lzma a whole chunk at a time, without
        # bound (a few hundred bytes of bzip2 can hold a gigabyte).
        raise _invalid(
            filename, f"{info.filename!r} is compressed with a method other than deflate"
        )
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except (
        zipfile.BadZipFile,
        OSError,
        RuntimeError,
        EOFError,
        zlib.error,
        NotImplementedError,
    ) as exc:
        raise _invalid(filename, f"{info.filename!r} cannot be read ({exc})") from exc
    if len(data) > limit:
        raise _invalid(filename, f"{info.filename!r} is larger than {format_size(limit)}")
    return data


def wheel_metadata(file, filename: DistributionFilename, limits: ArchiveLimits) -> bytes:
    """The wheel's METADATA, checked against its filename: exactly one
    ``.dist-info`` directory, of this name and version, with one METADATA
    and a WHEEL file."""
    with _open_zip(file, filename, limits) as archive:
        names = archive.namelist()
        dist_infos = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        wanted = f"{filename.name.replace('-', '_')}-{filename.version}.dist-info"
        if len(dist_infos) > 1:
            raise _invalid(
                filename, f"it has {len(dist_infos)} .dist-info directories; a wheel has one"
            )
        if not dist_infos or not _dist_info_matches(next(iter(dist_infos)), filename):
            raise InvalidDistribution(
                f"Wheel '{filename.filename}' does not contain the required METADATA file: "
                f"{wanted}/METADATA"
            )
        (dist_info,) = dist_infos
        path = f"{dist_info}/METADATA"
        if path not in names:
            raise InvalidDistribution(
                f"Wheel '{filename.filename}' does not contain the required METADATA file: {path}"
            )
        # Another spelling of it would be read by tools on case-insensitive disks.
        if sum(n.casefold() == path.casefold() for n in names) > 1:
            raise _invalid(filename, "it contains more than one METADATA file")
        if f"{dist_info}/WHEEL" not in names:
            raise InvalidDistribution(f"Wheel '{filename.filename}' does not contain a WHEEL file.")
        return _read_member(archive, archive.getinfo(path), limits.max_metadata_size, filename)


def _dist_info_matches(directory, filename):
    name, _, version = directory[: -len(".dist-info")].rpartition("-")
    try:
        return (
            packaging.utils.canonicalize_name(name) == filename.name
            and packaging.version.Version(version) == filename.version
        )
    except packaging.version.InvalidVersion:
        return False


# -- sdists ----------------------------------------------------------------


def sdist_pkg_info(file, filename: DistributionFilename, limits: ArchiveLimits) -> bytes:
    """The sdist's PKG-INFO, at ``<name>-<version>/PKG-INFO`` and only
    there; its absence means a broken sdist."""
    if filename.filename.endswith(".zip"):
        found = _zip_pkg_info(file, filename, limits)
    else:
        found = _tar_pkg_info(file, filename, limits)
    if not found:
        raise InvalidDistribution(
            f"Invalid distribution file: {filename.filename} has no PKG-INFO at its top level."
        )
    if len(found) > 1:
        raise _invalid(filename, "it contains more than one PKG-INFO at its top level")
    return found[0]


def _is_top_level_pkg_info(name):
    parts = name.strip("/").split("/")
    return len(parts) == 2 and parts[1] == "PKG-INFO"


def _zip_pkg_info(file, filename, limits):
    with _open_zip(file, filename, limits) as archive:
        return [
            _read_member(archive, info, limits.max_metadata_size, filename)
            for info in archive.infolist()
            if _is_top_level_pkg_info(info.filename) and not info.is_dir()
        ]


class _Inflated:
    """The tar stream inside the gzip, counted: reading past the limit stops."""

    def __init__(self, file, limit, filename):
        self.stream = gzip.GzipFile(fileobj=file, mode="rb")
        self.limit = limit
        self.filename = filename
        self.position = 0

    def read(self, n):
        if self.position + n > self.limit:
            raise _invalid(self.filename, f"it inflates to more than {format_size(self.limit)}")
        try:
            data = self.stream.read(n)
        except (OSError, EOFError, zlib.error) as exc:
            raise _invalid(self.filename, f"not a valid .tar.gz ({exc})") from exc
        self.position += len(data)
        return data

    def exactly(self, n):
        data = self.read(n)
        if len(data) != n:
            raise _invalid(self.filename, "the archive is cut short")
        return data

    def skip(self, n):
        while n > 0:
            n -= len(self.exactly(min(n, READ_SIZE)))


def _tar_pkg_info(file, filename, limits):
    """Scan a .tar.gz header by header (ustar, GNU and pax), keeping only
    the top-level PKG-INFO files; every byte inflated is counted."""
    stream = _Inflated(file, limits.max_inflated_size, filename)
    found = []
    members = 0
    long_name = None
    while True:
        header = stream.read(512)
        if len(header) < 512 or header == bytes(512):
            if len(header) not in (0, 512):
                raise _invalid(filename, "the archive is cut short")
            if members == 0:
                raise _invalid(filename, "not a valid .tar.gz (no members)")
            return found
        members += 1
        if members > limits.max_members:
            raise _invalid(filename, f"it has more than {limits.max_members} members")
        kind, name, size = _tar_header(header, filename)
        padded = -(-size // 512) * 512
        if kind in (b"L", b"x", b"g", b"K"):
            if size > MAX_TAR_EXTENSION_SIZE:
                raise _invalid(filename, "an extended tar header is too large")
            data = stream.exactly(padded)[:size]
            if kind == b"L":
                long_name = data.rstrip(b"\x00").decode("utf-8", "replace")
            elif kind == b"x":
                pax = _pax_records(data, filename)
                long_name = pax.get("path", long_name)
                if "size" in pax:
                    size = _whole(pax["size"], filename)
                    padded = -(-size // 512) * 512
            continue
        name, long_name = long_name or name, None
        if kind in (b"0", b"\x00", b"7") and _is_top_level_pkg_info(name):
            if size > limits.max_metadata_size:
                raise _invalid(
                    filename, f"{name!r} is larger than {format_size(limits.max_metadata_size)}"
                )
            found.append(stream.exactly(padded)[:size])
        else:
            stream.skip(padded)


def _tar_header(header, filename):
    checksum = _octal(header[148:156], filename)
    if checksum != sum(header[:148]) + 8 * 32 + sum(header[156:]):
        raise _invalid(filename, "not a valid .tar.gz (a header's checksum is wrong)")
    name = header[0:100].split(b"\x00")[0]
    if header[257:262] == b"ustar":
        prefix = header[345:500].split(b"\x00")[0]
        if prefix:
            name = prefix + b"/" + name
    if header[124] & 0x80:  # GNU base-256 for sizes over 8 GiB
        size = int.from_bytes(header[125:136], "big")
    else:
        size = _octal(header[124:136], filename)
    return header[156:157], name.decode("utf-8", "replace"), size


def _octal(field, filename):
    text = field.split(b"\x00")[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise _invalid(filename, "not a valid .tar.gz (a header is damaged)") from None


def _whole(text, filename):
    try:
        return int(text)
    except ValueError:
        raise _invalid(filename, "not a valid .tar.gz (a pax size is damaged)") from None


def _pax_records(data, filename):
    """``length key=value\\n`` records of a pax extended header."""
    records = {}
    position = 0
    while position < len(data):
        length_text, space, _ = data[position : position + 20].partition(b" ")
        if not space or not length_text.isdigit() or int(length_text) == 0:
            raise _invalid(filename, "not a valid .tar.gz (a pax header is damaged)")
        length = int(length_text)
        record = data[position : position + length]
        key, _, value = record[len(length_text) + 1 : -1].partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
        position += length
    return records

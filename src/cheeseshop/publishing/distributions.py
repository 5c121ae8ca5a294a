"""What an uploaded distribution is: its filename, its bytes, its metadata.

Everything here is checked with ``packaging``; each failure raises
:class:`InvalidDistribution` with a sentence a publisher can act on.
"""

import dataclasses
import hashlib
import tarfile
import tempfile
import zipfile

import packaging.metadata
import packaging.utils
import packaging.version
import trove_classifiers

SDIST_EXTENSIONS = (".tar.gz", ".zip")
COPY_CHUNK = 1024 * 1024
MAX_METADATA_SIZE = 1024 * 1024

# Form field names of the legacy upload API that differ from packaging's
# RawMetadata keys; the rest are the same.
FORM_TO_RAW = {
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "license_file": "license_files",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}
LIST_FIELDS = packaging.metadata._LIST_FIELDS
STRING_FIELDS = packaging.metadata._STRING_FIELDS

# distutils sends these 1.1 fields while claiming Metadata-Version 1.0.
_FIELDS_ADDED_IN_1_1 = {"classifiers", "download_url", "requires", "provides", "obsoletes"}


class InvalidDistribution(ValueError):
    """An upload that cannot be accepted; ``str()`` is the reason."""


class FileTooLarge(InvalidDistribution):
    pass


@dataclasses.dataclass(frozen=True)
class DistributionFilename:
    filename: str
    packagetype: str  # "sdist" or "bdist_wheel"
    name: packaging.utils.NormalizedName
    version: packaging.version.Version
    python_version: str  # "source", or the wheel's python tag


def parse_filename(filename: str) -> DistributionFilename:
    if not filename or "/" in filename or "\\" in filename or filename in (".", ".."):
        raise InvalidDistribution(f"Invalid filename {filename!r}: it must not contain a path.")
    if filename.endswith(".whl"):
        try:
            name, version, _build, tags = packaging.utils.parse_wheel_filename(filename)
        except packaging.utils.InvalidWheelFilename as exc:
            raise InvalidDistribution(f"Invalid wheel filename {filename!r}: {exc}") from exc
        python_version = ".".join(sorted({tag.interpreter for tag in tags}))
        return DistributionFilename(filename, "bdist_wheel", name, version, python_version)
    if filename.endswith(SDIST_EXTENSIONS):
        try:
            name, version = packaging.utils.parse_sdist_filename(filename)
        except packaging.utils.InvalidSdistFilename as exc:
            raise InvalidDistribution(f"Invalid sdist filename {filename!r}: {exc}") from exc
        return DistributionFilename(filename, "sdist", name, version, "source")
    raise InvalidDistribution(
        f"Invalid file extension in {filename!r}: use .tar.gz or .whl "
        "(PEP 625), or .zip for older source distributions."
    )


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


def metadata_from_form(getall) -> packaging.metadata.Metadata:
    """Validated core metadata from the upload form.

    ``getall(field)`` returns the list of values the form has for a field.
    """
    raw = {}
    for field in (
        *STRING_FIELDS,
        *LIST_FIELDS,
        *FORM_TO_RAW,
        "keywords",
        "project_urls",
    ):
        values = [v for v in getall(field) if _is_given(v)]
        if not values:
            continue
        key = FORM_TO_RAW.get(field, field)
        if key in STRING_FIELDS:
            raw[key] = values[0]
        elif key == "keywords":
            raw[key] = [k.strip() for k in ",".join(values).split(",") if k.strip()]
        elif key == "project_urls":
            raw[key] = _project_urls(values)
        else:
            raw[key] = values
    if raw.get("metadata_version") == "1.0" and _FIELDS_ADDED_IN_1_1 & raw.keys():
        raw["metadata_version"] = "1.1"
    if "metadata_version" not in raw:
        raise InvalidDistribution("'metadata_version' is a required field.")
    metadata = _validated(raw)
    if metadata.classifiers:
        for classifier in metadata.classifiers:
            if classifier in trove_classifiers.deprecated_classifiers:
                raise InvalidDistribution(
                    f"Invalid value for classifiers. Error: Classifier {classifier!r} "
                    "has been deprecated."
                )
            if classifier not in trove_classifiers.classifiers:
                raise InvalidDistribution(
                    f"Invalid value for classifiers. Error: Classifier {classifier!r} "
                    "is not a valid classifier."
                )
    return metadata


def metadata_from_file(data: bytes, what: str) -> packaging.metadata.Metadata:
    """Validated core metadata from a METADATA or PKG-INFO file."""
    try:
        raw, unparsed = packaging.metadata.parse_email(data)
    except ValueError as exc:
        raise InvalidDistribution(f"Invalid {what}: {exc}") from exc
    return _validated(raw, what=what)


def _validated(raw, what="metadata"):
    try:
        return packaging.metadata.Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        messages = "; ".join(_describe(exc) for exc in group.exceptions)
        raise InvalidDistribution(f"Invalid {what}: {messages}") from group


def _describe(exc):
    field = getattr(exc, "field", None)
    if field:
        return f"{field}: {exc}"
    return str(exc)


def _is_given(value):
    # distutils fills missing fields with "UNKNOWN"; pypi.org ignores them too.
    return isinstance(value, str) and value.strip() not in ("", "UNKNOWN")


def _project_urls(values):
    urls = {}
    for value in values:
        label, sep, url = value.partition(",")
        if not sep or not url.strip():
            raise InvalidDistribution(
                f"Invalid value for project_urls: {value!r} is not 'Label, URL'."
            )
        urls[label.strip()] = url.strip()
    return urls


def wheel_metadata(file, filename: DistributionFilename) -> bytes:
    """The wheel's METADATA file, checked against its filename.

    Raises InvalidDistribution for anything that is not a wheel of that name
    and version.
    """
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidDistribution(f"Invalid distribution file: {filename.filename} is not a zip archive.") from exc
    with archive:
        names = archive.namelist()
        wanted = f"{filename.name}-{filename.version}.dist-info/METADATA"
        candidates = [
            n for n in names
            if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            and _dist_info_matches(n.split("/")[0][: -len(".dist-info")], filename)
        ]
        if not candidates:
            raise InvalidDistribution(
                f"Wheel '{filename.filename}' does not contain the required METADATA file: {wanted}"
            )
        info = archive.getinfo(candidates[0])
        if info.file_size > MAX_METADATA_SIZE:
            raise InvalidDistribution(f"{candidates[0]} is larger than {MAX_METADATA_SIZE} bytes.")
        try:
            data = archive.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
            raise InvalidDistribution(f"Invalid distribution file: {exc}") from exc
        if f"{candidates[0].split('/')[0]}/WHEEL" not in names:
            raise InvalidDistribution(
                f"Wheel '{filename.filename}' does not contain a WHEEL file."
            )
    return data


def _dist_info_matches(stem, filename):
    name, _, version = stem.rpartition("-")
    try:
        return (
            packaging.utils.canonicalize_name(name) == filename.name
            and packaging.version.Version(version) == filename.version
        )
    except packaging.version.InvalidVersion:
        return False


def sdist_pkg_info(file, filename: DistributionFilename) -> bytes:
    """The sdist's top-level PKG-INFO; its absence means a broken sdist."""
    try:
        if filename.filename.endswith(".zip"):
            with zipfile.ZipFile(file) as archive:
                for name in archive.namelist():
                    if name.count("/") == 1 and name.endswith("/PKG-INFO"):
                        return archive.read(name)[:MAX_METADATA_SIZE]
        else:
            with tarfile.open(fileobj=file, mode="r:gz") as archive:
                for member in archive:
                    if member.isfile() and member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                        return archive.extractfile(member).read(MAX_METADATA_SIZE)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InvalidDistribution(
            f"Invalid distribution file: {filename.filename} is not a valid archive."
        ) from exc
    raise InvalidDistribution(
        f"Invalid distribution file: {filename.filename} has no PKG-INFO at its top level."
    )

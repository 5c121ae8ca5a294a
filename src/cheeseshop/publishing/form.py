"""What the upload form says about a file, checked before its bytes are read."""

import dataclasses
import re

import packaging.utils
import packaging.version

from cheeseshop.publishing import readme
from cheeseshop.publishing.core_metadata import raw_from_form, validated
from cheeseshop.publishing.errors import InvalidDistribution, UploadRejected
from cheeseshop.publishing.filenames import DistributionFilename, parse_filename
from cheeseshop.publishing.receiving import format_size

PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


FILETYPES = {"sdist": "sdist", "bdist_wheel": "bdist_wheel"}


@dataclasses.dataclass(frozen=True)
class FieldLimits:
    max_field_values: int  # values of one multi-valued field (classifiers, ...)
    max_description_size: int  # bytes of the description (the README)

    @classmethod
    def from_settings(cls, settings):
        return cls(settings.upload_max_field_values, settings.upload_max_description_size)


# What the database's columns hold.
MAX_NAME_LENGTH = 200
MAX_VERSION_LENGTH = 100


@dataclasses.dataclass
class Upload:
    metadata: object  # packaging.metadata.Metadata, as the form says
    raw: dict  # the form's metadata fields, to compare with the file's
    filename: DistributionFilename | None

    @property
    def name(self):
        return self.metadata.name

    @property
    def normalized_name(self):
        return packaging.utils.canonicalize_name(self.metadata.name)


def read_upload(getall, filename=None, *, limits) -> Upload:
    """Check what the form says about the file before reading its bytes
    (``filename`` None: a metadata-only ``register``)."""
    for required in ("name", "version"):
        if not [v for v in getall(required) if v.strip()]:
            raise UploadRejected(f"'{required}' is a required field.")
    _check_name(getall("name")[0].strip())
    version = getall("version")[0].strip()
    _check_version(version)
    try:
        raw = raw_from_form(getall)
        check_sizes(raw, limits)
        metadata = validated(raw)
        parsed = parse_filename(filename) if filename is not None else None
    except InvalidDistribution as exc:
        raise UploadRejected(str(exc)) from exc
    _check_content_type(metadata)
    if parsed is not None:
        _check_filename(getall, parsed, metadata)
    return Upload(metadata, raw, parsed)


def upload_of_file(raw, metadata, parsed: DistributionFilename) -> Upload:
    """What the form would say about a file that comes without one (an
    import): the file's own metadata (``raw``, validated into ``metadata``),
    held to the rules an upload's form is."""
    _check_name(metadata.name)
    _check_version(raw["version"].strip())
    _check_content_type(metadata)
    _check_filename(lambda field: [], parsed, metadata)
    return Upload(metadata, raw, parsed)


def _check_name(name):
    if len(name) > MAX_NAME_LENGTH:
        raise UploadRejected(
            f"Invalid value for name: {name[:40]!r}... is longer than {MAX_NAME_LENGTH} characters."
        )
    if not _valid_project_name(name):
        raise UploadRejected(
            f"Invalid value for name. Error: {name!r} is not a valid project name: "
            "start and end with a letter or digit and use only letters, digits, "
            "'-', '_' and '.'."
        )


def _check_version(version):
    if len(version) > MAX_VERSION_LENGTH:
        raise UploadRejected(
            f"Invalid value for version: {version[:40]!r}... is longer than "
            f"{MAX_VERSION_LENGTH} characters."
        )
    try:
        packaging.version.Version(version)
    except packaging.version.InvalidVersion:
        raise UploadRejected(
            f"Invalid value for version. Error: {version!r} is not a valid version "
            "(see https://packaging.python.org/specifications/version-specifiers/)."
        ) from None


def _check_content_type(metadata):
    if metadata.description:
        try:
            readme.check_content_type(metadata.description_content_type)
        except readme.ReadmeError as exc:
            raise UploadRejected(str(exc)) from exc


def check_sizes(raw, limits):
    """Bounds on what rendering and validating the metadata may cost."""
    for key, value in raw.items():
        if isinstance(value, list | dict) and len(value) > limits.max_field_values:
            raise InvalidDistribution(
                f"Invalid value for {key}: {len(value)} values; the limit is "
                f"{limits.max_field_values}."
            )
    description = raw.get("description") or ""
    size = len(description.encode())
    if size > limits.max_description_size:
        raise InvalidDistribution(
            f"The description is too large: {size} bytes; the limit is "
            f"{format_size(limits.max_description_size)}. Shorten the README."
        )


def _check_filename(getall, parsed, metadata):
    filename = parsed.filename
    filetype = (getall("filetype") or [""])[0]
    if filetype and FILETYPES.get(filetype) != parsed.packagetype:
        raise UploadRejected(
            f"Invalid value for filetype {filetype!r}: only sdist and bdist_wheel "
            f"are accepted, and {filename!r} is a {parsed.packagetype}."
        )
    if parsed.name != packaging.utils.canonicalize_name(metadata.name):
        raise UploadRejected(
            f"Start filename for {metadata.name!r} with "
            f"{packaging.utils.canonicalize_name(metadata.name).replace('-', '_')!r}: "
            f"{filename!r} belongs to another project."
        )
    if str(parsed.version) != str(metadata.version):  # 1.0.0 is 1.0, but not its filename
        raise UploadRejected(
            f"Version in filename should be {str(metadata.version)!r} not {str(parsed.version)!r}."
        )


def _valid_project_name(name):
    return PROJECT_NAME.fullmatch(name) is not None

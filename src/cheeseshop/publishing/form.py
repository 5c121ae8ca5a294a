"""What the upload form says about a file, checked before its bytes are read."""

import dataclasses
import re

import packaging.utils
import packaging.version

from cheeseshop.publishing import readme
from cheeseshop.publishing.core_metadata import metadata_from_form
from cheeseshop.publishing.errors import InvalidDistribution, UploadRejected
from cheeseshop.publishing.filenames import DistributionFilename, parse_filename

PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


FILETYPES = {"sdist": "sdist", "bdist_wheel": "bdist_wheel"}


@dataclasses.dataclass
class Upload:
    metadata: object  # packaging.metadata.Metadata
    filename: DistributionFilename | None

    @property
    def name(self):
        return self.metadata.name

    @property
    def normalized_name(self):
        return packaging.utils.canonicalize_name(self.metadata.name)


def read_upload(getall, filename=None) -> Upload:
    """Check what the form says about the file before reading its bytes
    (``filename`` None: a metadata-only ``register``)."""
    for required in ("name", "version"):
        if not [v for v in getall(required) if v.strip()]:
            raise UploadRejected(f"'{required}' is a required field.")
    name = getall("name")[0].strip()
    if not _valid_project_name(name):
        raise UploadRejected(
            f"Invalid value for name. Error: {name!r} is not a valid project name: "
            "start and end with a letter or digit and use only letters, digits, "
            "'-', '_' and '.'."
        )
    version = getall("version")[0].strip()
    try:
        packaging.version.Version(version)
    except packaging.version.InvalidVersion:
        raise UploadRejected(
            f"Invalid value for version. Error: {version!r} is not a valid version "
            "(see https://packaging.python.org/specifications/version-specifiers/)."
        ) from None
    try:
        metadata = metadata_from_form(getall)
        parsed = parse_filename(filename) if filename is not None else None
    except InvalidDistribution as exc:
        raise UploadRejected(str(exc)) from exc
    if metadata.description:
        try:
            readme.check_content_type(metadata.description_content_type)
        except readme.ReadmeError as exc:
            raise UploadRejected(str(exc)) from exc
    if parsed is not None:
        _check_filename(getall, parsed, metadata)
    return Upload(metadata, parsed)


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
    if parsed.version != metadata.version:
        raise UploadRejected(
            f"Version in filename should be {str(metadata.version)!r} not {str(parsed.version)!r}."
        )


def _valid_project_name(name):
    return PROJECT_NAME.fullmatch(name) is not None

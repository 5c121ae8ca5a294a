"""A received file checked against its form: digests, archive, the metadata
inside, README. Touches no database.

The file's own METADATA (wheels) or PKG-INFO (sdists) is the truth about it:
it is what installers read (PEP 658) and what the index records and serves;
a form that says otherwise is refused, naming the field.
"""

import dataclasses

import packaging.utils

from cheeseshop.publishing import archives, readme, receiving
from cheeseshop.publishing.core_metadata import contradiction, raw_from_file, validated
from cheeseshop.publishing.errors import FileTooLarge, InvalidDistribution, UploadRejected
from cheeseshop.publishing.filenames import DistributionFilename
from cheeseshop.publishing.form import FieldLimits, Upload, check_sizes, upload_of_file


@dataclasses.dataclass(frozen=True)
class InspectionLimits:
    max_file_size: int
    archive: archives.ArchiveLimits
    fields: FieldLimits
    readme_seconds: int

    @classmethod
    def from_settings(cls, settings):
        return cls(
            max_file_size=settings.max_file_size,
            archive=archives.ArchiveLimits.from_settings(settings),
            fields=FieldLimits.from_settings(settings),
            readme_seconds=settings.upload_readme_seconds,
        )


@dataclasses.dataclass
class CheckedFile:
    """An upload's bytes, received and checked; nothing stored yet."""

    received: receiving.ReceivedFile
    metadata: object  # packaging.metadata.Metadata: the file's own
    core_metadata: bytes | None  # the wheel's METADATA (PEP 658)
    description_html: str | None

    def close(self):
        self.received.close()


def check_file(upload, stream, digests, limits: InspectionLimits) -> CheckedFile:
    """Receive the bytes and check them against the form: digests, archive,
    metadata inside, README. Touches no database, so it runs before the
    upload takes any lock."""
    try:
        received = receiving.receive(stream, limits.max_file_size)
    except FileTooLarge as exc:
        raise UploadRejected(str(exc), status=413) from exc
    try:
        try:
            receiving.check_digests(received, **digests)
        except InvalidDistribution as exc:
            raise UploadRejected(str(exc)) from exc
        data, metadata = _inspect(received, upload, limits)
        html = render_readme(metadata, limits.readme_seconds)
        core_metadata = data if upload.filename.packagetype == "bdist_wheel" else None
        return CheckedFile(received, metadata, core_metadata, html)
    except BaseException:
        received.close()
        raise


def check_own_file(
    received: receiving.ReceivedFile, filename: DistributionFilename, limits: InspectionLimits
) -> tuple[Upload, CheckedFile]:
    """A received file that comes without a form (an import): its own
    metadata stands for the form, held to the same rules; the Upload and
    CheckedFile that :func:`cheeseshop.publishing.recording.add_file` takes.
    The caller still owns ``received``."""
    if received.size > limits.max_file_size:
        raise UploadRejected(receiving.file_too_large_message(limits.max_file_size), status=413)
    data, raw, metadata, _ = _read_metadata(received, filename, limits)
    upload = upload_of_file(raw, metadata, filename)
    html = render_readme(metadata, limits.readme_seconds)
    core_metadata = data if filename.packagetype == "bdist_wheel" else None
    return upload, CheckedFile(received, metadata, core_metadata, html)


def _read_metadata(received, filename, limits):
    """(the metadata file's bytes, its fields, its validated metadata, what
    it is called)."""
    try:
        if filename.packagetype == "bdist_wheel":
            what = "METADATA in the wheel"
            data = archives.wheel_metadata(received.file, filename, limits.archive)
        else:
            what = "PKG-INFO"
            data = archives.sdist_pkg_info(received.file, filename, limits.archive)
        raw = raw_from_file(data, what)
        check_sizes(raw, limits.fields)
        metadata = validated(raw, what=what)
    except InvalidDistribution as exc:
        raise UploadRejected(str(exc)) from exc
    finally:
        received.file.seek(0)
    return data, raw, metadata, what


def _inspect(received, upload, limits):
    """(the metadata file's bytes, its validated metadata), after checking
    that the archive and the form agree."""
    filename = upload.filename
    data, raw, metadata, what = _read_metadata(received, filename, limits)
    if packaging.utils.canonicalize_name(metadata.name) != upload.normalized_name:
        raise UploadRejected(
            f"The name in the file's metadata ({metadata.name!r}) does not match the "
            f"form's ({upload.name!r})."
        )
    if metadata.version != upload.metadata.version:
        raise UploadRejected(
            f"The version in the file's metadata ({metadata.version}) does not match "
            f"the form's ({upload.metadata.version})."
        )
    field = contradiction(upload.raw, raw)
    if field is not None:
        raise UploadRejected(
            f"The form's {field} does not match the {what} of {filename.filename!r}: "
            "upload the metadata the file carries (as twine does)."
        )
    return data, metadata


def render_readme(metadata, seconds):
    try:
        return readme.render_bounded(
            metadata.description, metadata.description_content_type, seconds
        )
    except readme.ReadmeError as exc:
        raise UploadRejected(str(exc)) from exc

"""A received file checked against its form: digests, archive, metadata inside,
README. Touches no database."""

import dataclasses

import packaging.utils

from cheeseshop.publishing import archives, readme, receiving
from cheeseshop.publishing.core_metadata import metadata_from_file
from cheeseshop.publishing.errors import FileTooLarge, InvalidDistribution, UploadRejected


@dataclasses.dataclass
class CheckedFile:
    """An upload's bytes, received and checked; nothing stored yet."""

    received: receiving.ReceivedFile
    core_metadata: bytes | None  # the wheel's METADATA (PEP 658)
    description_html: str | None

    def close(self):
        self.received.close()


def check_file(upload, stream, digests, max_file_size) -> CheckedFile:
    """Receive the bytes and check them against the form: digests, archive,
    metadata inside, README. Touches no database, so it runs before the
    upload takes any lock."""
    try:
        received = receiving.receive(stream, max_file_size)
    except FileTooLarge as exc:
        raise UploadRejected(str(exc), status=413) from exc
    try:
        try:
            receiving.check_digests(received, **digests)
        except InvalidDistribution as exc:
            raise UploadRejected(str(exc)) from exc
        core_metadata = _inspect(received, upload)
        return CheckedFile(received, core_metadata, render_readme(upload.metadata))
    except BaseException:
        received.close()
        raise


def _inspect(received, upload):
    """The wheel's METADATA (for PEP 658), after checking the archive agrees
    with the form; None for sdists."""
    try:
        if upload.filename.packagetype == "bdist_wheel":
            data = archives.wheel_metadata(received.file, upload.filename)
            inside = metadata_from_file(data, "METADATA in the wheel")
        else:
            data = None
            inside = metadata_from_file(
                archives.sdist_pkg_info(received.file, upload.filename), "PKG-INFO"
            )
    except InvalidDistribution as exc:
        raise UploadRejected(str(exc)) from exc
    finally:
        received.file.seek(0)
    if packaging.utils.canonicalize_name(inside.name) != upload.normalized_name:
        raise UploadRejected(
            f"The name in the file's metadata ({inside.name!r}) does not match the "
            f"form's ({upload.name!r})."
        )
    if inside.version != upload.metadata.version:
        raise UploadRejected(
            f"The version in the file's metadata ({inside.version}) does not match "
            f"the form's ({upload.metadata.version})."
        )
    return data


def render_readme(metadata):
    try:
        return readme.render(metadata.description, metadata.description_content_type)
    except readme.ReadmeError as exc:
        raise UploadRejected(str(exc)) from exc

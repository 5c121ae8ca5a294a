"""The metadata inside a distribution's archive: a wheel's METADATA, an sdist's PKG-INFO."""

import tarfile
import zipfile

import packaging.utils
import packaging.version

from cheeseshop.publishing.errors import InvalidDistribution
from cheeseshop.publishing.filenames import DistributionFilename

MAX_METADATA_SIZE = 1024 * 1024


def wheel_metadata(file, filename: DistributionFilename) -> bytes:
    """The wheel's METADATA file, checked against its filename.

    Raises InvalidDistribution for anything that is not a wheel of that name
    and version.
    """
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidDistribution(
            f"Invalid distribution file: {filename.filename} is not a zip archive."
        ) from exc
    with archive:
        names = archive.namelist()
        wanted = f"{filename.name}-{filename.version}.dist-info/METADATA"
        candidates = [
            n
            for n in names
            if n.count("/") == 1
            and n.endswith(".dist-info/METADATA")
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
            raise InvalidDistribution(f"Wheel '{filename.filename}' does not contain a WHEEL file.")
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
                    if (
                        member.isfile()
                        and member.name.count("/") == 1
                        and member.name.endswith("/PKG-INFO")
                    ):
                        return archive.extractfile(member).read(MAX_METADATA_SIZE)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InvalidDistribution(
            f"Invalid distribution file: {filename.filename} is not a valid archive."
        ) from exc
    raise InvalidDistribution(
        f"Invalid distribution file: {filename.filename} has no PKG-INFO at its top level."
    )

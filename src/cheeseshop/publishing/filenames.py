"""Distribution filenames (wheel and sdist specifications, PEP 625)."""

import dataclasses

import packaging.utils
import packaging.version

from cheeseshop.publishing.errors import InvalidDistribution

SDIST_EXTENSIONS = (".tar.gz", ".zip")


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

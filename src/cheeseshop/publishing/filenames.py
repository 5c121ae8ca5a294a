"""Distribution filenames (wheel and sdist specifications, PEP 625)."""

import dataclasses
import re

import packaging.utils
import packaging.version

from cheeseshop.publishing.errors import InvalidDistribution

SDIST_EXTENSIONS = (".tar.gz", ".zip")
# One component of a file name on every filesystem we store on.
MAX_FILENAME_BYTES = 255
TAG = re.compile(r"[a-z0-9_]+")


@dataclasses.dataclass(frozen=True)
class DistributionFilename:
    filename: str
    packagetype: str  # "sdist" or "bdist_wheel"
    name: packaging.utils.NormalizedName
    version: packaging.version.Version
    python_version: str  # "source", or the wheel's python tag
    build: tuple = ()  # a wheel's build tag
    tags: frozenset = frozenset()  # a wheel's tags


def parse_filename(filename: str) -> DistributionFilename:
    """The distribution a filename names; it must be the name's canonical
    spelling, so that one distribution can only ever have one filename."""
    if not filename or "/" in filename or "\\" in filename or filename in (".", ".."):
        raise InvalidDistribution(
            f"Invalid filename {filename[:300]!r}: it must not contain a path."
        )
    if len(filename.encode()) > MAX_FILENAME_BYTES:
        raise InvalidDistribution(
            f"Invalid filename {filename[:60]!r}...: it is longer than {MAX_FILENAME_BYTES} bytes."
        )
    if filename.endswith(".whl"):
        parsed = _parse_wheel(filename)
    elif filename.endswith(SDIST_EXTENSIONS):
        parsed = _parse_sdist(filename)
    else:
        raise InvalidDistribution(
            f"Invalid file extension in {filename!r}: use .tar.gz or .whl "
            "(PEP 625), or .zip for older source distributions."
        )
    return parsed


def _parse_wheel(filename):
    try:
        name, version, build, tags = packaging.utils.parse_wheel_filename(filename)
    except packaging.utils.InvalidWheelFilename as exc:
        raise InvalidDistribution(f"Invalid wheel filename {filename!r}: {exc}") from exc
    if not name.isascii():
        raise InvalidDistribution(f"Invalid wheel filename {filename!r}: the name must be ASCII.")
    parts = filename[: -len(".whl")].split("-")
    for tag_set in parts[-3:]:
        components = tag_set.split(".")
        if not all(TAG.fullmatch(c) for c in components) or len(set(components)) != len(components):
            raise InvalidDistribution(
                f"Invalid wheel filename {filename!r}: the tags {tag_set!r} must be "
                "lower-case letters, digits and '_', each at most once."
            )
    canonical = "-".join([_canonical_stem(name, version), *parts[2:-3], *parts[-3:]]) + ".whl"
    _require_canonical(filename, canonical)
    python_version = ".".join(sorted({tag.interpreter for tag in tags}))
    return DistributionFilename(
        filename, "bdist_wheel", name, version, python_version, tuple(build), frozenset(tags)
    )


def _parse_sdist(filename):
    try:
        name, version = packaging.utils.parse_sdist_filename(filename)
    except packaging.utils.InvalidSdistFilename as exc:
        raise InvalidDistribution(f"Invalid sdist filename {filename!r}: {exc}") from exc
    if not name.isascii():
        raise InvalidDistribution(f"Invalid sdist filename {filename!r}: the name must be ASCII.")
    extension = next(e for e in SDIST_EXTENSIONS if filename.endswith(e))
    _require_canonical(filename, _canonical_stem(name, version) + extension)
    return DistributionFilename(filename, "sdist", name, version, "source")


def _canonical_stem(name, version):
    # The wheel and sdist specifications: the normalized name with "_" for
    # "-", and the normalized version.
    return f"{name.replace('-', '_')}-{version}"


def _require_canonical(filename, canonical):
    if filename != canonical:
        raise InvalidDistribution(
            f"Invalid filename {filename!r}: use its canonical spelling {canonical!r} "
            "(normalized project name and version)."
        )

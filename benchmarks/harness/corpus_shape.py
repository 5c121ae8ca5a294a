"""The shape of a public-scale corpus: realistic project names, a skewed
number of versions per project (most have a few, a handful 2,000), and the
bytes of each distribution: a small valid wheel (with its METADATA, served
as PEP 658 ``.metadata``) or sdist (with PKG-INFO), unique per file since
storage keys are content-addressed. Deterministic for a seed."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import io
import random
import tarfile
import zipfile

import packaging.utils

MAX_VERSIONS = 2000
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
TAR_MTIME = 1704067200  # 2024-01-01

WORDS = (
    "async http json yaml toml xml csv sql orm cache queue task job event stream "
    "log trace metric auth oauth jwt token crypto hash image audio video text nlp "
    "math stat plot graph tree grid geo time date money unit test mock fake lint "
    "format type schema config env cli shell term color table report mail sms "
    "web api rest rpc grpc socket proxy dns ssh ftp s3 cloud docker kube flask "
    "django fast py pyramid zope click rich pretty tiny micro mini super hyper "
    "data frame array tensor model train vision speech parse build pack wheel"
).split()
SUFFIXES = ("", "", "", "lib", "py", "kit", "tools", "utils", "core", "ext", "2", "x")
SEPARATORS = ("-", "-", "-", "_", ".")
CLASSIFIERS = (
    "Programming Language :: Python :: 3",
    "License :: OSI Approved :: MIT License",
    "Operating System :: OS Independent",
    "Development Status :: 4 - Beta",
    "Intended Audience :: Developers",
    "Topic :: Software Development :: Libraries",
)


@dataclasses.dataclass(frozen=True)
class PlannedProject:
    name: str  # as the uploader spelled it (with "_", "." or capitals at times)
    versions: int
    sdists: bool  # each release also has an sdist (else: wheels only)


@dataclasses.dataclass(frozen=True)
class Distribution:
    filename: str
    packagetype: str  # bdist_wheel or sdist
    python_version: str
    content: bytes
    core_metadata: bytes | None  # a wheel's METADATA, stored as PEP 658 .metadata


def project_names(count: int, rng: random.Random, taken=()) -> list[str]:
    """``count`` names, unique once normalized (and not in ``taken``, a set
    of normalized names): one to three words and a suffix, joined mostly by
    "-", sometimes by "_" or "."; some capitalized."""
    seen = set(taken)
    names = []
    while len(names) < count:
        words = rng.sample(WORDS, rng.choice((1, 2, 2, 3)))
        suffix = rng.choice(SUFFIXES)
        if suffix:
            words.append(suffix)
        name = rng.choice(SEPARATORS).join(words)
        if rng.random() < 0.1:
            name = name.title()
        normalized = packaging.utils.canonicalize_name(name)
        if normalized in seen:
            # Past the combinations' reach: a number makes it unique.
            name = f"{name}{rng.choice(SEPARATORS)}{len(names)}"
            normalized = packaging.utils.canonicalize_name(name)
            if normalized in seen:
                continue
        seen.add(normalized)
        names.append(name)
    return names


def versions_per_project(count: int, releases: int, rng: random.Random) -> list[int]:
    """``count`` numbers of versions, 1 to MAX_VERSIONS, adding up to about
    ``releases``: Pareto-distributed (most projects have a few versions,
    a handful have thousands), scaled to the total wanted."""
    draws = [rng.paretovariate(1.1) for _ in range(count)]

    def counts(scale):
        return [min(MAX_VERSIONS, max(1, round(d * scale))) for d in draws]

    low, high = 0.0, float(MAX_VERSIONS)
    for _ in range(40):  # bisect the scale that gives the total
        middle = (low + high) / 2
        if sum(counts(middle)) < releases:
            low = middle
        else:
            high = middle
    return counts(high)


def plan(projects: int, files: int, seed: int = 1, taken=()) -> list[PlannedProject]:
    """The projects of a corpus of about ``files`` files: every release has a
    wheel, half of the projects also an sdist per release."""
    rng = random.Random(seed)
    names = project_names(projects, rng, taken)
    sdists = [rng.random() < 0.5 for _ in names]
    per_release = 1 + sum(sdists) / max(1, len(sdists))
    versions = versions_per_project(projects, max(projects, round(files / per_release)), rng)
    return [PlannedProject(n, v, s) for n, v, s in zip(names, versions, sdists, strict=True)]


def version_string(index: int) -> str:
    """The ``index``-th version of a project: 0.1.0, 0.1.1, ... with a
    pre-release now and then."""
    major, rest = divmod(index, 100)
    minor, patch = divmod(rest, 10)
    version = f"{major}.{minor + 1}.{patch}"
    return version + "rc1" if index % 37 == 36 else version


def core_metadata(name: str, version: str, summary: str, classifiers) -> bytes:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {summary}",
        "Home-page: https://example.invalid/" + packaging.utils.canonicalize_name(name),
        "Author: Cheese Bench",
        "Author-email: bench@example.invalid",
        "License: MIT",
        "Requires-Python: >=3.8",
        *(f"Classifier: {c}" for c in classifiers),
        "Requires-Dist: packaging>=21",
        "Description-Content-Type: text/markdown",
        "",
        f"# {name}\n\n{summary}.\n",
    ]
    return "\n".join(lines).encode()


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def wheel(name: str, version: str, metadata: bytes) -> Distribution:
    stem = f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}"
    package = stem.split("-")[0]
    distinfo = f"{stem}.dist-info"
    members = [
        (f"{package}/__init__.py", f'__version__ = "{version}"\n'.encode()),
        (f"{distinfo}/METADATA", metadata),
        (
            f"{distinfo}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: cheeseshop-bench\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ]
    record = "".join(f"{n},{_record_hash(d)},{len(d)}\n" for n, d in members)
    members.append((f"{distinfo}/RECORD", (record + f"{distinfo}/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    # Stored, not deflated: the members are tiny, and a fill makes millions.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for member, data in members:
            info = zipfile.ZipInfo(member, ZIP_DATE)
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return Distribution(
        f"{stem}-py3-none-any.whl", "bdist_wheel", "py3", buffer.getvalue(), metadata
    )


def sdist(name: str, version: str, metadata: bytes) -> Distribution:
    stem = f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}"
    members = {
        f"{stem}/PKG-INFO": metadata,
        f"{stem}/pyproject.toml": b'[build-system]\nrequires = ["setuptools"]\n',
    }
    buffer = io.BytesIO()
    # Plain ustar (no pax headers), gzipped fast: cheap to make by millions.
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size, info.mtime, info.mode = len(data), TAR_MTIME, 0o644
            archive.addfile(info, io.BytesIO(data))
    content = gzip.compress(buffer.getvalue(), compresslevel=1, mtime=TAR_MTIME)
    return Distribution(f"{stem}.tar.gz", "sdist", "source", content, None)


def releases_of(project: PlannedProject) -> list[tuple[dict, list[Distribution]]]:
    """Every release of ``project`` (see ``release_of``): what a worker
    process of a fill makes."""
    return [release_of(project, index) for index in range(project.versions)]


def release_of(project: PlannedProject, index: int) -> tuple[dict, list[Distribution]]:
    """The ``index``-th release of ``project``: its metadata (the fields the
    fill writes into the release's row) and its distributions."""
    version = version_string(index)
    summary = f"{project.name.replace('-', ' ').replace('_', ' ')} release {version}"
    classifiers = CLASSIFIERS[: 2 + len(project.name) % 4]
    metadata = core_metadata(project.name, version, summary, classifiers)
    described = {
        "version": version,
        "summary": summary,
        "description": f"# {project.name}\n\n{summary}.\n",
        "classifiers": list(classifiers),
    }
    distributions = [wheel(project.name, version, metadata)]
    if project.sdists:
        distributions.append(sdist(project.name, version, metadata))
    return described, distributions

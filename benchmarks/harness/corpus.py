"""The synthetic corpus: small, valid wheels (reused between runs of the same
size), the large random-payload wheel and the tiny probe wheel."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import zipfile
from pathlib import Path

from .console import log

ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def _record_hash(data: bytes) -> str:
    d = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(d).rstrip(b"=").decode()


def _wheel_meta(dist: str, version: str, summary: str) -> tuple[bytes, bytes]:
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {dist}\n"
        f"Version: {version}\n"
        f"Summary: {summary}\n"
        "Requires-Python: >=3.8\n"
        "\n"
    ).encode()
    wheel = (
        b"Wheel-Version: 1.0\n"
        b"Generator: cheeseshop-benchmarks\n"
        b"Root-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    return metadata, wheel


def _wheel_name(dist: str) -> str:
    """The distribution name as wheel file names and packages spell it."""
    return re.sub(r"[-_.]+", "_", dist).lower()


def wheel_filename(dist: str, version: str) -> str:
    return f"{_wheel_name(dist)}-{version}-py3-none-any.whl"


def write_wheel(path: Path, dist: str, version: str, summary: str, module: bytes) -> None:
    pkg = _wheel_name(dist)
    distinfo = f"{pkg}-{version}.dist-info"
    metadata, wheel = _wheel_meta(dist, version, summary)
    members = [
        (f"{pkg}/__init__.py", module),
        (f"{distinfo}/METADATA", metadata),
        (f"{distinfo}/WHEEL", wheel),
    ]
    record = "".join(f"{n},{_record_hash(d)},{len(d)}\n" for n, d in members)
    record += f"{distinfo}/RECORD,,\n"
    members.append((f"{distinfo}/RECORD", record.encode()))
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members:
            zi = zipfile.ZipInfo(n, ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, d)
    os.replace(tmp, path)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def make_corpus(
    work: Path, projects: int, releases: int, prefix: str = "cheesebench"
) -> tuple[Path, list[dict]]:
    """``projects`` x ``releases`` small wheels of projects ``<prefix>-NNNN``.
    Another ``prefix`` gives a corpus of the same shape under other names
    (wheels of the same sizes: the same random choices)."""
    name = f"p{projects}-r{releases}"
    cdir = work / "corpus" / (name if prefix == "cheesebench" else f"{prefix}-{name}")
    manifest_path = cdir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if all((cdir / e["filename"]).exists() for e in manifest):
            log(f"corpus: reusing {len(manifest)} wheels in {cdir}")
            return cdir, manifest
    log(f"corpus: generating {projects} projects x {releases} releases in {cdir}")
    cdir.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(projects)))
    rng = random.Random(1234)
    words = (
        "cheese wensleydale stilton gouda brie camembert cheddar feta "
        "gruyere emmental parmesan roquefort limburger edam manchego"
    ).split()
    manifest = []
    for i in range(projects):
        dist = f"{prefix}-{i:0{width}d}"
        for r in range(releases):
            version = f"1.{r}.0"
            summary = f"Synthetic benchmark project {i} ({rng.choice(words)})"
            body = " ".join(rng.choice(words) for _ in range(120))
            module = (f'"""{dist} {version}\n\n{body}\n"""\n__version__ = "{version}"\n').encode()
            fn = wheel_filename(dist, version)
            write_wheel(cdir / fn, dist, version, summary, module)
            manifest.append(
                {
                    "name": dist,
                    "version": version,
                    "summary": summary,
                    "filename": fn,
                    "sha256": file_sha256(cdir / fn),
                    "md5": hashlib.md5((cdir / fn).read_bytes()).hexdigest(),
                }
            )
    manifest_path.write_text(json.dumps(manifest, indent=0))
    return cdir, manifest


def make_big_wheel(work: Path, size_mb: int, dist: str = "cheesebench-big") -> dict:
    """A valid wheel of project ``dist`` holding ``size_mb`` MiB of random
    bytes, written in 1 MiB chunks (never whole in memory)."""
    bdir = work / "bigwheel"
    version = f"{size_mb}.0.0"
    fn = wheel_filename(dist, version)
    path = bdir / fn
    meta_path = bdir / (fn + ".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("size") == path.stat().st_size:
            log(f"big wheel: reusing {path} ({meta['size'] / 2**20:.0f} MiB)")
            return meta
    log(f"big wheel: writing {size_mb} MiB of random payload to {path}")
    bdir.mkdir(parents=True, exist_ok=True)
    pkg = _wheel_name(dist)
    distinfo = f"{pkg}-{version}.dist-info"
    metadata, wheel = _wheel_meta(dist, version, "Large incompressible benchmark wheel")
    init = f'__version__ = "{version}"\n'.encode()
    tmp = path.with_suffix(".tmp")
    records = []
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for n, d in (
            (f"{pkg}/__init__.py", init),
            (f"{distinfo}/METADATA", metadata),
            (f"{distinfo}/WHEEL", wheel),
        ):
            zf.writestr(zipfile.ZipInfo(n, ZIP_DATE), d)
            records.append(f"{n},{_record_hash(d)},{len(d)}\n")
        name = f"{pkg}/payload.bin"
        zi = zipfile.ZipInfo(name, ZIP_DATE)
        zi.compress_type = zipfile.ZIP_STORED
        h = hashlib.sha256()
        total = 0
        with zf.open(zi, "w", force_zip64=True) as out:
            for _ in range(size_mb):
                chunk = os.urandom(1 << 20)
                h.update(chunk)
                out.write(chunk)
                total += len(chunk)
        digest = base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()
        records.append(f"{name},sha256={digest},{total}\n")
        records.append(f"{distinfo}/RECORD,,\n")
        zf.writestr(zipfile.ZipInfo(f"{distinfo}/RECORD", ZIP_DATE), "".join(records))
    os.replace(tmp, path)
    meta = {
        "name": dist,
        "version": version,
        "filename": fn,
        "summary": "Large incompressible benchmark wheel",
        "size": path.stat().st_size,
        "sha256": file_sha256(path),
    }
    meta_path.write_text(json.dumps(meta))
    return meta


def make_probe_wheel(work: Path) -> dict:
    bdir = work / "bigwheel"
    bdir.mkdir(parents=True, exist_ok=True)
    dist, version = "cheesebench-probe", "1.0.0"
    fn = wheel_filename(dist, version)
    summary = "Tiny wheel: baseline for the large-upload memory test"
    write_wheel(bdir / fn, dist, version, summary, b'"""probe"""\n' + b"#" * 2000 + b"\n")
    return {
        "name": dist,
        "version": version,
        "filename": fn,
        "summary": summary,
        "size": (bdir / fn).stat().st_size,
        "sha256": file_sha256(bdir / fn),
    }

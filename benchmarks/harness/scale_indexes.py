"""The indexes ``benchmarks/scale.py`` compares: one folder per size,
filled by ``fill_corpus.py`` with the same measured projects, and reused by
a later run when ``fill.json`` says it was filled with the same sizes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .console import log


def index_dir(work: Path, projects: int, files: int, measured: int) -> Path:
    return work / "indexes" / f"p{projects}-f{files}-m{measured}"


def ensure_index(
    work: Path, projects: int, files: int, measured: int, threads: int, refill: bool = False
) -> dict:
    """A filled SQLite + folder index of ``projects`` projects (``measured``
    of them ``scalebench-NNNN``) and about ``files`` files: its folder and
    how its fill went."""
    import fill_corpus  # the benchmarks folder is on sys.path

    folder = index_dir(work, projects, files, measured)
    marker = folder / "fill.json"
    wanted = {"projects": projects, "files": files, "measured": measured}
    if marker.exists() and not refill:
        done = json.loads(marker.read_text())
        if done.get("wanted") == wanted:
            log(f"index: reusing {folder} (filled in {done['seconds']:.0f} s)")
            return {"folder": folder, **done}
    if folder.exists():
        shutil.rmtree(folder)
    fixed = fill_corpus.measured_projects(measured)
    fixed_files = sum(p.versions * (1 + p.sdists) for p in fixed)
    report = fill_corpus.fill_index(
        str(folder),
        None,
        max(0, projects - measured),
        max(0, files - fixed_files),
        fixed=fixed,
        threads=threads,
    )
    done = {"wanted": wanted, **report.as_dict()}
    marker.write_text(json.dumps(done, indent=1))
    return {"folder": folder, **done}

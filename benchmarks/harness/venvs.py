"""One venv per server under the work dir, reinstalled only when its
requirements change, and the versions of what is installed in it."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from .console import BenchError, log
from .processes import run, tail_file


def ensure_venv(
    vdir: Path, requirements: list[str], stamp_extra: str, reinstall: bool, logfile: Path
) -> None:
    stamp = vdir / ".bench-installed"
    want = json.dumps({"req": requirements, "extra": stamp_extra})
    if not reinstall and stamp.exists() and stamp.read_text() == want:
        return
    if reinstall and vdir.exists():
        shutil.rmtree(vdir)
    if not (vdir / "bin" / "python").exists():
        log(f"venv: creating {vdir}")
        run([sys.executable, "-m", "venv", str(vdir)], timeout=300)
    log(f"venv: pip install {' '.join(requirements)}")
    cp = run(
        [
            str(vdir / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            *requirements,
        ],
        timeout=1800,
        check=False,
    )
    logfile.parent.mkdir(parents=True, exist_ok=True)
    logfile.write_text(cp.stdout + cp.stderr)
    if cp.returncode != 0:
        raise BenchError(
            f"pip install failed for {vdir.name} (see {logfile}):\n" + tail_file(logfile, 20)
        )
    stamp.write_text(want)


def venv_versions(vdir: Path, dists: list[str]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for d in sys.argv[1:]:\n"
        "    try: out[d] = m.version(d)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    cp = run([str(vdir / "bin" / "python"), "-c", code, *dists], timeout=60, check=False)
    try:
        return json.loads(cp.stdout)
    except ValueError:
        return {}

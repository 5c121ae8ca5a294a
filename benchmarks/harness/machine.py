"""What the docs page says about the machine and the source measured: CPUs,
memory, kernel, Python, wrk, load average and cheeseshop's git revision."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from .console import BenchError
from .paths import REPO
from .processes import run


def machine_info(results: dict, repo: Path = REPO) -> dict:
    """``repo``: the checkout whose git revision is recorded (the one measured)."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        mem_gb = f"{int(mem) / 2**20:.0f} GiB"
    except (OSError, IndexError, ValueError):
        mem_gb = "?"
    wrk = run(["wrk", "-v"], check=False).stdout.splitlines()
    rev = "?"
    try:
        cp = run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], check=False)
        if cp.returncode == 0:
            rev = cp.stdout.strip()
            dirty = run(
                [
                    "git",
                    "-C",
                    str(repo),
                    "status",
                    "--porcelain",
                    "--",
                    "src",
                    "setup.cfg",
                    "setup.py",
                    "pyproject.toml",
                ],
                check=False,
            ).stdout.strip()
            if dirty:
                rev += " + uncommitted changes"
    except BenchError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem_gb,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk[0].strip() if wrk else "?",
        "loadavg_at_start": os.getloadavg(),
        "cheeseshop_rev": rev,
    }

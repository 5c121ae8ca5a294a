"""The cheeseshop measured: by default the one installed for the Python
running the benchmark (``--cheeseshop-install current``), else this checkout
installed into the harness's venv; and which git checkout it imports."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

from .console import BenchError
from .processes import run
from .servers import Cheeseshop


def cheeseshop_class(args) -> type[Cheeseshop]:
    """``--cheeseshop-install``: ``current`` or ``venv``."""
    return InstalledCheeseshop if args.cheeseshop_install == "current" else Cheeseshop


class InstalledCheeseshop(Cheeseshop):
    """cheeseshop as installed for the interpreter running the benchmark
    (``--cheeseshop-install current``), instead of the harness's venv with
    ``pip install -e`` of this checkout."""

    def __init__(self, args, work):
        super().__init__(args, work)
        self.venv = Path(sys.executable).parent.parent

    def bin(self, name):
        return str(Path(sys.executable).parent / name)

    def install(self):
        if not Path(self.bin("cheeseshop")).exists():
            raise BenchError(
                f"no `cheeseshop` command beside {sys.executable}: install cheeseshop "
                "there or use --cheeseshop-install venv"
            )

    def versions(self):
        out = {}
        for dist in self.dists:
            try:
                out[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                pass
        return out

    def env(self):
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        return env


def source_checkout(srv: Cheeseshop) -> Path | None:
    """The git checkout whose ``src/cheeseshop`` the server imports."""
    code = "import cheeseshop, os; print(os.path.dirname(cheeseshop.__file__))"
    cp = run([srv.bin("python"), "-c", code], check=False, env=srv.env())
    if cp.returncode != 0 or not cp.stdout.strip():
        return None
    path = Path(cp.stdout.strip())
    top = run(["git", "-C", str(path), "rev-parse", "--show-toplevel"], check=False)
    return Path(top.stdout.strip()) if top.returncode == 0 else None

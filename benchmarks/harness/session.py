"""The frame of one run, the same for every entry point (``Bench``): the
tools it needs, the results dict with the run's settings, every server
stopped however the run ends, then the report, the results JSON and
(--write-docs) the docs page; ``Bench.render`` does the last part for a
saved results file.  What a run measures in between is the entry point's
``measure(args, results, running)``, which appends each server it starts
to ``running``."""

from __future__ import annotations

import dataclasses
import datetime
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from .console import BenchError, log
from .installed_cheeseshop import source_checkout
from .machine import machine_info
from .paths import REPO
from .processes import kill_all, kill_all_on_exit
from .servers import Cheeseshop

# The options every run records in ``_meta`` when it has them.
META_KEYS = (
    "projects releases duration warmup connections rounds wrk_threads upload_threads "
    "cheeseshop_serve_args cheeseshop_install"
).split()


def record_source(results: dict, srv: Cheeseshop) -> None:
    """The revision measured: the checkout the cheeseshop imports (it may
    be another than this one), and the machine; read before the reads."""
    checkout = source_checkout(srv)
    results["_meta"]["cheeseshop_source"] = str(checkout) if checkout else "?"
    results["_meta"]["machine"] = machine_info(results, checkout or REPO)


def default_failed(results: dict) -> bool:
    """A read mode that failed, or an error the run recorded."""
    reads = results.get("reads", {}).values()
    return bool(results.get("errors")) or any("error" in r for r in reads)


@dataclasses.dataclass(frozen=True)
class Bench:
    """What an entry point measures and reports.  ``measure(args, results,
    running)`` does the run; ``print_report(results)`` and
    ``write_docs(path, results, command)`` report it; ``prefix`` names its
    results files; ``tools`` must be on PATH; ``meta_keys``: its own options
    to record beside ``META_KEYS``; ``results()``: the dict a run starts
    from; ``failed(results)``: whether the run failed (exit status 1)."""

    prefix: str
    measure: Callable
    print_report: Callable
    write_docs: Callable
    tools: tuple = ("wrk",)
    meta_keys: tuple = ()
    results: Callable = lambda: {"versions": {}, "load": {}, "reads": {}, "errors": []}
    failed: Callable = default_failed

    def render(self, args) -> int:
        """The report of a saved results file (``--render``)."""
        results = json.loads(args.render.read_text())
        if getattr(args, "docs_note", ""):
            results["_meta"]["docs_note"] = args.docs_note
        self.print_report(results)
        if args.write_docs:
            self.write_docs(args.docs_path, results, results["_meta"]["command"])
            print(f"wrote {args.docs_path}")
        return 0

    def run(self, args, command: str) -> int:
        """One run; the exit status."""
        missing = [tool for tool in self.tools if shutil.which(tool) is None]
        if missing:
            print(f"error: {', '.join(missing)} not installed (apt-get install)", file=sys.stderr)
            return 2
        if not sys.platform.startswith("linux"):
            print("error: needs Linux (/proc for CPU and memory figures)", file=sys.stderr)
            return 2
        kill_all_on_exit()
        args.work_dir.mkdir(parents=True, exist_ok=True)
        started = datetime.datetime.now()
        results = self.results()
        meta = {k: getattr(args, k) for k in (*META_KEYS, *self.meta_keys) if hasattr(args, k)}
        meta["files"] = args.projects * args.releases
        meta["date"] = started.strftime("%Y-%m-%d %H:%M")
        meta["command"] = command
        results["_meta"] = meta
        running: list = []
        try:
            self.measure(args, results, running)
        except KeyboardInterrupt:
            log("interrupted; stopping servers")
            kill_all()
            return 130
        except BenchError as e:
            log(f"ERROR: {e}")
            return 1
        finally:
            for srv in reversed(running):
                srv.stop()
            kill_all()
        meta["minutes"] = (datetime.datetime.now() - started).total_seconds() / 60

        print()
        self.print_report(results)
        rpath = save_results(args.work_dir, self.prefix, results, started)
        print(f"\nraw results: {rpath}")
        if args.write_docs:
            self.write_docs(args.docs_path, results, command)
            print(f"wrote {args.docs_path}")
        return 1 if self.failed(results) else 0


def save_results(work: Path, prefix: str, results: dict, started) -> Path:
    rpath = work / "results" / f"{prefix}-{started:%Y%m%d-%H%M%S}.json"
    rpath.parent.mkdir(parents=True, exist_ok=True)
    rpath.write_text(json.dumps(results, indent=1, default=str))
    return rpath

"""The mixed run of ``varnish.py``: wrk reads pages through Varnish while a
writer uploads a new release of one of a few projects every ``interval``
seconds, straight to cheeseshop; right after each upload's 200, the
project's PEP 691 page (and the page the row reads, if another) is fetched
through Varnish and must list the new release.  Varnish's hits and misses
are read around the whole run."""

from __future__ import annotations

import statistics
import threading
import time

from .console import BenchError, log
from .corpus import file_sha256, wheel_filename, write_wheel
from .cpu import tree_cpu_ns
from .http_client import fetch
from .reads import SIMPLE_JSON
from .varnish_front import ThroughVarnish, hit_ratio
from .wrk import run_wrk

CHURN_ROWS = ("simple_root", "simple_html", "simple_json", "project_json")


class Writer:
    """New releases ``2.N.0`` of ``projects`` in turn (N counts up over the
    whole run, so every upload is a new version), written to ``wheels``."""

    def __init__(self, server, front_mode: ThroughVarnish, projects: list[str], wheels):
        self.server, self.mode, self.projects, self.wheels = server, front_mode, projects, wheels
        self.count = 0
        wheels.mkdir(parents=True, exist_ok=True)

    def _wheel(self, project: str) -> tuple:
        version = f"2.{self.count}.0"
        self.count += 1
        fn = wheel_filename(project, version)
        summary = f"Benchmark churn release {version}"
        module = f'"""{project} {version}"""\n__version__ = "{version}"\n'.encode()
        write_wheel(self.wheels / fn, project, version, summary, module)
        entry = {"name": project, "version": version, "summary": summary, "filename": fn}
        entry["sha256"] = file_sha256(self.wheels / fn)
        return self.wheels / fn, entry

    def _check(self, path: str, headers: dict, visible) -> tuple[bool, str, float]:
        t0 = time.perf_counter()
        r = fetch("GET", self.mode.base + path, headers=headers)
        ms = (time.perf_counter() - t0) * 1e3
        return r.status == 200 and visible(r), r.headers.get("x-cache", "none"), ms

    def upload_and_check(self, row: str) -> dict:
        project = self.projects[self.count % len(self.projects)]
        path, entry = self._wheel(project)
        t0 = time.perf_counter()
        r = self.server.upload(path, entry)
        out = {"project": project, "version": entry["version"], "status": r.status}
        out["upload_ms"] = (time.perf_counter() - t0) * 1e3
        if r.status != 200:
            return out
        v = entry["version"]
        checks = [
            (
                "simple_json",
                self.mode.simple_project(project),
                {"Accept": SIMPLE_JSON},
                lambda r: v in r.json().get("versions", ()),
            )
        ]
        if row == "simple_html":
            checks.append(
                (
                    "simple_html",
                    self.mode.simple_project(project),
                    {},
                    lambda r: entry["filename"].encode() in r.body,
                )
            )
        elif row == "project_json":
            checks.append(
                (
                    "project_json",
                    self.mode.json_path(project),
                    dict(self.mode.json_headers),
                    lambda r: v in r.json().get("releases", {}),
                )
            )
        out["checks"] = {}
        for key, page, headers, visible in checks:
            ok, x_cache, ms = self._check(page, headers, visible)
            out["checks"][key] = {"visible": ok, "x_cache": x_cache, "ms": ms}
        return out


def churn_row(writer: Writer, row: str, args) -> dict:
    """One wrk run of ``row`` through Varnish (``args.churn_duration``
    seconds) with uploads every ``args.churn_interval`` seconds meanwhile."""
    mode = writer.mode
    lua, nurls = mode.plans[row]
    c0, cpu0, back0 = mode.counters(), tree_cpu_ns(mode.proc.pid), tree_cpu_ns(mode.server.proc.pid)
    done: dict = {}

    def reads():
        try:
            done["wrk"] = run_wrk(mode.base, lua, args.churn_duration, args)
        except BenchError as e:
            done["error"] = str(e)

    reader = threading.Thread(target=reads, daemon=True)
    t0 = time.monotonic()
    reader.start()
    time.sleep(min(0.5, args.churn_interval))  # wrk connected: uploads land under load
    uploads = []
    tick = time.monotonic()
    # Stop a second early, so that every check is made while wrk still reads.
    while time.monotonic() < t0 + args.churn_duration - 1 and reader.is_alive():
        uploads.append(writer.upload_and_check(row))
        tick += args.churn_interval
        time.sleep(max(0.0, tick - time.monotonic()))
    reader.join()
    if "error" in done:
        raise BenchError(f"churn {row}: {done['error']}")
    c1 = mode.counters()
    w = done["wrk"]
    counted = {k: c1[k] - v for k, v in c0.items()}
    checks = [c for u in uploads for c in u.get("checks", {}).values()]
    res = {
        "urls": nurls,
        "rps": w["rps"],
        "p99_ms": w.get("p99_ms"),
        "requests": w.get("requests", 0),
        "non2xx": w["non2xx"],
        "socket_errors": w["socket_errors"],
        "raw": w["raw"],
        "counters": counted,
        "hit_ratio": hit_ratio(counted),
        "varnish_cpu_ms_per_request": _per_request(tree_cpu_ns(mode.proc.pid) - cpu0, w),
        "cheeseshop_cpu_ms_per_request": _per_request(tree_cpu_ns(mode.server.proc.pid) - back0, w),
        "uploads": len(uploads),
        "uploads_failed": sum(u["status"] != 200 for u in uploads),
        "checks": len(checks),
        "not_visible": sum(not c["visible"] for c in checks),
        "check_misses": sum(c["x_cache"] != "HIT" for c in checks),
        "upload_ms_median": statistics.median(u["upload_ms"] for u in uploads) if uploads else None,
        "check_ms_median": statistics.median(c["ms"] for c in checks) if checks else None,
        "per_upload": uploads,
    }
    bad = [
        u
        for u in uploads
        if u["status"] != 200 or not all(c["visible"] for c in u["checks"].values())
    ]
    res["failures"] = bad[:5]
    log(
        f"churn {row:13s} {w['rps']:9.1f} req/s  hit ratio "
        f"{(res['hit_ratio'] or 0) * 100:.1f}%  {len(uploads)} uploads, "
        f"{res['not_visible']} of {len(checks)} checks not visible"
    )
    return res


def _per_request(ns: int, w: dict) -> float | None:
    return ns / 1e6 / w["requests"] if w.get("requests") else None


def run_churn(writer: Writer, rows, args) -> dict:
    return {row: churn_row(writer, row, args) for row in rows if row in writer.mode.plans}

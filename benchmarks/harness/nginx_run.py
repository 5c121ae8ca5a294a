"""One run of ``nginx_downloads.py``: load the index, start the twin and an
nginx in front of each, check that both hand out the right bytes (and that
the one with the setting answers with an empty body), measure the downloads
interleaved, then print the table, save the results JSON and (--write-docs)
write the docs page.  ``BENCH``: this run, as ``session.Bench`` frames it."""

from __future__ import annotations

import hashlib
import shutil
import urllib.parse

from . import session
from .console import BenchError
from .corpus import make_big_wheel, make_corpus
from .http_client import fetch
from .loading import upload_corpus
from .nginx_front import NginxFront, handing_over, sending_itself
from .nginx_report import print_report, write_docs
from .private_servers import ReadMode
from .processes import run
from .reads import measure_reads
from .wrk import write_lua

ROWS = [("small", "small wheel"), ("big", "large file")]


class ThroughNginx(ReadMode):
    """A column of the table: requests to ``front``; the CPU measured is
    the cheeseshop's behind it, and nginx's apart (``other_procs``)."""

    def __init__(self, name, label, front: NginxFront):
        super().__init__(name, label, front.app, {})
        self.front = front
        self.other_procs = [front.proc]

    @property
    def base(self) -> str:
        return self.front.base


def _download_paths(srv, manifest) -> list[str]:
    """The corpus's download paths, from the JSON API."""
    paths = []
    for project in sorted({e["name"] for e in manifest}):
        r = fetch("GET", f"{srv.base}/pypi/{project}/json")
        if r.status != 200:
            raise BenchError(f"{srv.name}: /pypi/{project}/json -> HTTP {r.status}")
        paths += [urllib.parse.urlsplit(u["url"]).path for u in r.json()["urls"]]
    return paths


def _check(mode: ThroughNginx, path: str, sha256: str) -> None:
    """The bytes through nginx are the file's; straight from the app, the
    handing-over one answers with an empty body."""
    digest = hashlib.sha256()
    r = fetch("GET", mode.base + path, timeout=600, sink=digest.update)
    if r.status != 200 or digest.hexdigest() != sha256:
        raise BenchError(f"{mode.name}: {path} through nginx: HTTP {r.status}, wrong bytes")
    direct = fetch("HEAD", mode.server.base + path)
    handed_over = "x-accel-redirect" in direct.headers
    if handed_over != mode.server.accel or (
        handed_over and direct.headers.get("content-length") != "0"
    ):
        raise BenchError(f"{mode.name}: {path} from the app: not what the setting says")


def _write_docs(path, results, command) -> None:
    write_docs(path, results)  # the command is in the results


def _measure(args, results: dict, running: list) -> None:
    work = args.work_dir
    cdir, manifest = make_corpus(work, args.projects, 1)
    big = make_big_wheel(work, args.big_mb)
    accel = handing_over(args, work)
    running.append(accel)
    accel.install()
    session.record_source(results, accel)
    results["_meta"]["versions"] = {**accel.versions(), "nginx": _nginx_version()}
    accel.prepare()
    accel.start()
    accel.after_start()
    up = upload_corpus(accel, cdir, manifest, args.upload_threads)
    if up["ok"] != len(manifest):
        raise BenchError(f"uploads failed: {up}")
    r = accel.upload(work / "bigwheel" / big["filename"], big, timeout=600)
    if r.status != 200:
        raise BenchError(f"large wheel upload: HTTP {r.status} {r.body[:200]!r}")
    app = sending_itself(accel)
    running.append(app)
    app.start()
    modes = []
    for label, srv in (("X-Accel-Redirect", accel), ("through the app", app)):
        front = NginxFront(srv.name, work, srv, accel.files)
        front.start()
        modes.append(ThroughNginx(srv.name, label, front))
    small_paths = _download_paths(accel, manifest)
    (big_path,) = _download_paths(accel, [big])
    for mode in modes:
        _check(mode, small_paths[0], manifest[0]["sha256"])
        _check(mode, big_path, big["sha256"])
        lua_dir = work / "lua" / "nginx-downloads" / mode.name
        lua_dir.mkdir(parents=True, exist_ok=True)
        for key, paths in (("small", small_paths), ("big", [big_path])):
            write_lua(lua_dir / f"{key}.lua", paths, {})
            mode.plans[key] = (lua_dir / f"{key}.lua", len(paths))
        results["reads"][mode.name] = {"label": mode.label}
    results["sizes"] = {
        "small_mean_bytes": sum((cdir / e["filename"]).stat().st_size for e in manifest)
        / len(manifest),
        "big_bytes": big["size"],
    }
    measure_reads(modes, args, results["reads"], endpoints=ROWS)


BENCH = session.Bench(
    "nginx-downloads",
    _measure,
    print_report,
    _write_docs,
    meta_keys=("big_mb",),
    results=lambda: {"reads": {}},
)


def _nginx_version() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cp = run([nginx, "-v"], check=False)
    return (cp.stderr or cp.stdout).strip().removeprefix("nginx version: ")

"""One run of ``nginx_downloads.py``: load the index, start the twin and an
nginx in front of each, check that both hand out the right bytes (and that
the one with the setting answers with an empty body), measure the downloads
interleaved, then print the table, save the results JSON and (--write-docs)
write the docs page.  Also ``render``: the report of a saved results file."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import sys
import urllib.parse

from .console import BenchError, log
from .corpus import make_big_wheel, make_corpus
from .http_client import fetch
from .loading import upload_corpus
from .machine import machine_info
from .nginx_front import NginxFront, handing_over, sending_itself
from .nginx_report import print_report, write_docs
from .private_servers import ReadMode, source_checkout
from .processes import kill_all, kill_all_on_exit
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


def _meta(args, command, started) -> dict:
    keys = ("projects", "duration", "warmup", "connections", "rounds", "wrk_threads", "big_mb")
    return {
        "date": started.strftime("%Y-%m-%d %H:%M"),
        **{k: getattr(args, k) for k in keys},
        "cheeseshop_serve_args": args.cheeseshop_serve_args,
        "cheeseshop_install": "current",
        "command": command,
    }


def render(args) -> int:
    results = json.loads(args.render.read_text())
    print_report(results)
    if args.write_docs:
        write_docs(args.docs_path, results)
        print(f"wrote {args.docs_path}")
    return 0


def run_nginx_downloads(args, command: str) -> int:
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    kill_all_on_exit()
    started = datetime.datetime.now()
    work = args.work_dir
    results = {"_meta": _meta(args, command, started), "reads": {}}
    try:
        cdir, manifest = make_corpus(work, args.projects, 1)
        big = make_big_wheel(work, args.big_mb)
        accel = handing_over(args, work)
        accel.install()
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
        results["_meta"]["machine"] = machine_info(results, source_checkout(accel) or work)
        results["_meta"]["versions"] = {**accel.versions(), "nginx": _nginx_version()}
    except BenchError as e:
        log(f"ERROR: {e}")
        return 1
    finally:
        kill_all()
    out = work / "results" / f"nginx-downloads-{started:%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print_report(results)
    print(f"results: {out}")
    if args.write_docs:
        write_docs(args.docs_path, results)
        print(f"wrote {args.docs_path}")
    return 0


def _nginx_version() -> str:
    from .processes import run

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cp = run([nginx, "-v"], check=False)
    return (cp.stderr or cp.stdout).strip().removeprefix("nginx version: ")

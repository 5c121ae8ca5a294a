"""Phase 1, one server at a time: start it on a fresh data dir (or on the
data an earlier run loaded, with --reuse-data) and upload the corpus."""

from __future__ import annotations

import concurrent.futures
import datetime
import json
import os
import threading
import time
from pathlib import Path

from .console import BenchError, log
from .memory import reset_hwm, tree_mem
from .servers import Server


def upload_corpus(srv: Server, cdir: Path, manifest: list[dict], threads: int) -> dict:
    """Upload every wheel with a thread pool.  The rate counts the concurrent
    pass only; files that failed in it are retried one at a time afterwards
    (so the read benchmarks still see the whole corpus) and reported."""
    failures: list[tuple[dict, str]] = []
    lock = threading.Lock()
    done = [0]

    def one(entry):
        with lock:
            done[0] += 1
        try:
            r = srv.upload(cdir / entry["filename"], entry)
            ok = 200 <= r.status < 300
            msg = None if ok else f"HTTP {r.status} {r.body[:160]!r}"
        except OSError as e:
            msg = f"{type(e).__name__}: {e}"
        if msg:
            with lock:
                failures.append((entry, msg))

    stop = threading.Event()

    def progress():
        while not stop.wait(30):
            el = time.perf_counter() - t0
            log(
                f"{srv.name}: ... {done[0]}/{len(manifest)} uploads started in {el:.0f}s, "
                f"{len(failures)} failed so far"
            )

    t0 = time.perf_counter()
    reporter = threading.Thread(target=progress, daemon=True)
    reporter.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, manifest))
    finally:
        stop.set()
    dt = time.perf_counter() - t0
    ok = len(manifest) - len(failures)
    out = {
        "count": len(manifest),
        "seconds": dt,
        "ok": ok,
        "per_s": ok / dt,
        "failed": len(failures),
        "errors": [f"{e['filename']}: {m}" for e, m in failures[:5]],
    }
    if failures:
        log(
            f"{srv.name}: {len(failures)} of {len(manifest)} uploads failed, e.g. "
            f"{out['errors'][0]}; retrying them one at a time"
        )
        retry = list(failures)
        failures.clear()
        for entry, _ in retry:
            one(entry)
        out["failed_after_retry"] = len(failures)
        if failures:
            raise BenchError(
                f"{srv.name}: {len(failures)} uploads failed even when retried "
                "one at a time, e.g.:\n    "
                + "\n    ".join(f"{e['filename']}: {m}" for e, m in failures[:5])
            )
    return out


def load_server(srv: Server, cdir: Path, manifest: list[dict], args, results: dict) -> None:
    """Start the server and upload the corpus (or start it on the data an
    earlier run loaded).  The server is left running for the read phase."""
    res = results.setdefault(srv.name, {})
    res["json_note"] = srv.json_note
    res["auth_note"] = srv.auth_note
    marker = srv.data / ".bench-loaded.json"
    loaded = None
    if args.reuse_data and marker.exists():
        loaded = json.loads(marker.read_text())
        if loaded.get("corpus") != cdir.name or loaded.get("serve") != srv.command_id():
            log(f"{srv.name}: data dir holds another corpus or set-up; loading it afresh")
            loaded = None
    if loaded:
        log(f"{srv.name}: reusing the data loaded on {loaded['date']} (--reuse-data)")
        srv.password = loaded["password"]
        srv.start()
        pid = srv.proc.pid
        srv.after_restart()
        res["rss_idle_kb"] = tree_mem(pid)["rss_kb"]
        res["upload"] = dict(loaded["upload"], reused_from=loaded["date"])
        res["upload_hwm_kb"] = loaded["upload_hwm_kb"]
    else:
        marker.unlink(missing_ok=True)
        srv.prepare()
        srv.start()
        pid = srv.proc.pid
        srv.after_start()
        res["rss_idle_kb"] = tree_mem(pid)["rss_kb"]

        log(f"{srv.name}: uploading {len(manifest)} wheels with {args.upload_threads} threads")
        res["loadavg_before_upload"] = os.getloadavg()
        reset_hwm(pid)
        res["upload"] = up = upload_corpus(srv, cdir, manifest, args.upload_threads)
        mem = tree_mem(pid)
        res["upload_hwm_kb"] = mem["hwm_kb"]
        log(
            f"{srv.name}: {up['ok']} of {up['count']} uploads succeeded in {up['seconds']:.1f}s "
            f"= {up['per_s']:.1f}/s"
        )
        marker.write_text(
            json.dumps(
                {
                    "corpus": cdir.name,
                    "serve": srv.command_id(),
                    "password": srv.password,
                    "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
                    "upload": up,
                    "upload_hwm_kb": res["upload_hwm_kb"],
                }
            )
        )

"""Phase 3, the large-wheel memory test: upload a big wheel and download it
back while sampling the server's RSS, after the same upload of a tiny wheel
as a baseline."""

from __future__ import annotations

import hashlib
import time
import urllib.parse

from .console import BenchError, log
from .corpus import make_big_wheel, make_probe_wheel
from .http_client import fetch, normalize, parse_links
from .memory import RssSampler, reset_hwm, tree_mem
from .servers import Server


def big_file_test(srv: Server, args) -> dict:
    meta = make_big_wheel(args.work_dir, args.big_mb)
    path = args.work_dir / "bigwheel" / meta["filename"]
    pid = srv.proc.pid
    out: dict = {"size_mb": meta["size"] / 2**20}
    time.sleep(0.5)
    before = tree_mem(pid)
    out["rss_before_kb"] = before["rss_kb"]
    out["hwm_before_kb"] = before["hwm_kb"]
    # Baseline: the same request with a tiny wheel, so that per-request costs
    # (authentication, password hashing, framework) can be told apart from
    # memory that grows with the file.
    probe = make_probe_wheel(args.work_dir)
    reset_hwm(pid)
    with RssSampler(pid) as s:
        r = srv.upload(args.work_dir / "bigwheel" / probe["filename"], probe)
    if not 200 <= r.status < 300:
        raise BenchError(f"{srv.name}: probe upload failed: HTTP {r.status} {r.body[:300]!r}")
    out["rss_peak_small_kb"] = max(s.max_kb, tree_mem(pid)["hwm_kb"])
    time.sleep(0.5)
    out["rss_before_big_kb"] = tree_mem(pid)["rss_kb"]
    hwm_reset = reset_hwm(pid)
    out["hwm_reset"] = hwm_reset
    out["hwm_before_kb"] = tree_mem(pid)["hwm_kb"]
    log(f"{srv.name}: big file: uploading {meta['filename']} ({out['size_mb']:.0f} MiB)")
    with RssSampler(pid) as s:
        t0 = time.perf_counter()
        r = srv.upload(path, meta, timeout=args.big_timeout)
        out["upload_s"] = time.perf_counter() - t0
    out["upload_status"] = r.status
    out["rss_peak_upload_kb"] = s.max_kb
    if not 200 <= r.status < 300:
        raise BenchError(f"{srv.name}: big upload failed: HTTP {r.status} {r.body[:300]!r}")
    page = srv.simple_project(normalize(meta["name"]))
    r = fetch("GET", srv.base + page)
    links = [
        urllib.parse.urljoin(srv.base + page, h)
        for h, t in parse_links(r.body)
        if meta["filename"] in h or t == meta["filename"]
    ]
    if r.status != 200 or not links:
        raise BenchError(f"{srv.name}: big file not on {page} (HTTP {r.status})")
    url = links[0].split("#")[0]
    log(f"{srv.name}: big file: downloading {url}")
    h = hashlib.sha256()
    got = [0]

    def sink(chunk):
        h.update(chunk)
        got[0] += len(chunk)

    with RssSampler(pid) as s:
        t0 = time.perf_counter()
        r = fetch("GET", url, timeout=args.big_timeout, sink=sink)
        out["download_s"] = time.perf_counter() - t0
    out["rss_peak_download_kb"] = s.max_kb
    if r.status != 200:
        raise BenchError(f"{srv.name}: big download failed: HTTP {r.status}")
    out["download_ok"] = h.hexdigest() == meta["sha256"] and got[0] == meta["size"]
    if not out["download_ok"]:
        log(f"{srv.name}: big file: DOWNLOAD MISMATCH ({got[0]} bytes)")
    time.sleep(0.5)
    after = tree_mem(pid)
    out["rss_after_kb"] = after["rss_kb"]
    out["hwm_after_kb"] = after["hwm_kb"]
    peak = max(out["rss_peak_upload_kb"], out["rss_peak_download_kb"], after["hwm_kb"])
    out["rss_peak_kb"] = peak
    out["growth_mb"] = (peak - out["rss_before_kb"]) / 1024
    out["growth_small_mb"] = (out["rss_peak_small_kb"] - out["rss_before_kb"]) / 1024
    out["met"] = out["growth_mb"] < args.big_limit_mb
    log(
        f"{srv.name}: big file: RSS before {out['rss_before_kb'] / 1024:.1f} MB, "
        f"peak {peak / 1024:.1f} MB, after {out['rss_after_kb'] / 1024:.1f} MB "
        f"-> growth {out['growth_mb']:.1f} MB (target < {args.big_limit_mb} MB; the same "
        f"upload of a 2 KB wheel: {out['growth_small_mb']:.1f} MB); "
        f"upload {out['upload_s']:.1f}s, download {out['download_s']:.1f}s"
    )
    return out

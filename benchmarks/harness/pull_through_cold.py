"""The one-at-a-time parts of ``pull_through.py``: warming the cache (every
upstream project's page read and each of its files downloaded once through
the cache, timed against the same request made directly to the upstream,
and again once cached), and the large file fetched through the cache.

Each request is made on a fresh connection, one at a time; for each, the
client's wall time and the CPU time it cost the cache and the upstream
(their threads' schedstat, read before and after)."""

from __future__ import annotations

import hashlib
import statistics
import time
import urllib.parse

from .console import BenchError, log
from .corpus import make_big_wheel
from .cpu import tree_cpu_ns
from .http_client import fetch, normalize, parse_links
from .memory import RssSampler, tree_mem
from .servers import Server

# (key, label) of the one-at-a-time rows, in the order they are reported.
COLD_ROWS = [
    ("page_direct", "project page, from the upstream directly"),
    ("page_cold", "project page, first read through the cache"),
    ("page_cached", "project page, cached"),
    ("page_local", "project page, local project"),
    ("file_direct", "file, from the upstream directly"),
    ("file_cold", "file, first download through the cache"),
    ("file_cached", "file, cached"),
    ("file_local", "file, local project"),
]


class Timer:
    """Times requests to one server, counting the CPU time they cost it
    and the upstream."""

    def __init__(self, cache: Server, upstream: Server):
        self.cache, self.upstream = cache, upstream
        self.samples: dict[str, list[tuple[float, float, float]]] = {}

    def get(self, key: str, url: str, sha256: str | None = None):
        digest = hashlib.sha256()
        c0, u0 = tree_cpu_ns(self.cache.proc.pid), tree_cpu_ns(self.upstream.proc.pid)
        t0 = time.perf_counter()
        r = fetch("GET", url, sink=digest.update if sha256 else None)
        wall = time.perf_counter() - t0
        c1, u1 = tree_cpu_ns(self.cache.proc.pid), tree_cpu_ns(self.upstream.proc.pid)
        if r.status != 200:
            raise BenchError(f"GET {url} -> HTTP {r.status}: {r.body[:200]!r}")
        if sha256 and digest.hexdigest() != sha256:
            raise BenchError(f"GET {url}: the bytes do not match the sha256 of the corpus")
        self.samples.setdefault(key, []).append((wall * 1e3, (c1 - c0) / 1e6, (u1 - u0) / 1e6))
        return r

    def summary(self) -> dict:
        out = {}
        for key, xs in self.samples.items():
            out[key] = {
                "n": len(xs),
                "median_ms": statistics.median(x[0] for x in xs),
                "cache_cpu_ms": statistics.fmean(x[1] for x in xs),
                "upstream_cpu_ms": statistics.fmean(x[2] for x in xs),
            }
        return out


def _file_links(srv: Server, page_url: str, body: bytes) -> dict[str, str]:
    """filename -> absolute URL (fragment dropped) of a simple page's links."""
    out = {}
    for href, text in parse_links(body):
        url = urllib.parse.urljoin(page_url, href).split("#")[0]
        out[text or urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]] = url
    return out


def _by_project(manifest: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for e in manifest:
        out.setdefault(normalize(e["name"]), []).append(e)
    return out


def warm_cache(cache: Server, upstream: Server, remote: list[dict], local: list[dict]) -> dict:
    """Read each upstream project's page and download its files through the
    cache once (the cache fetches them), each beside the same request made
    directly to the upstream and made again once cached; then the local
    projects' pages and files, for comparison."""
    timer = Timer(cache, upstream)
    projects = _by_project(remote)
    log(f"cache: warming: {len(projects)} upstream projects, {len(remote)} files, one at a time")
    t0 = time.perf_counter()
    for name, entries in sorted(projects.items()):
        page = f"/simple/{name}/"
        direct = timer.get("page_direct", upstream.base + page)
        cold = timer.get("page_cold", cache.base + page)
        timer.get("page_cached", cache.base + page)
        direct_links = _file_links(upstream, upstream.base + page, direct.body)
        cache_links = _file_links(cache, cache.base + page, cold.body)
        for e in entries:
            fn = e["filename"]
            if fn not in direct_links or fn not in cache_links:
                raise BenchError(f"{fn} is not linked from {page} on both indexes")
            if not urllib.parse.urlsplit(cache_links[fn]).path.startswith("/cache/"):
                raise BenchError(f"the cache links {fn} elsewhere: {cache_links[fn]}")
            timer.get("file_direct", direct_links[fn], e["sha256"])
            timer.get("file_cold", cache_links[fn], e["sha256"])
            timer.get("file_cached", cache_links[fn], e["sha256"])
    for name, entries in sorted(_by_project(local).items()):
        page = f"/simple/{name}/"
        r = timer.get("page_local", cache.base + page)
        links = _file_links(cache, cache.base + page, r.body)
        for e in entries:
            timer.get("file_local", links[e["filename"]], e["sha256"])
    out = timer.summary()
    log(
        f"cache: warmed in {time.perf_counter() - t0:.0f}s; first download "
        f"{out['file_cold']['median_ms']:.1f} ms vs {out['file_direct']['median_ms']:.1f} ms "
        f"directly; first page read {out['page_cold']['median_ms']:.1f} ms vs "
        f"{out['page_direct']['median_ms']:.1f} ms directly"
    )
    return out


def _timed_download(srv: Server, url: str, meta: dict, timeout: float) -> tuple[float, int]:
    """(seconds, peak RSS kB of ``srv`` meanwhile) of a verified download."""
    digest = hashlib.sha256()
    with RssSampler(srv.proc.pid) as s:
        t0 = time.perf_counter()
        r = fetch("GET", url, timeout=timeout, sink=digest.update)
        seconds = time.perf_counter() - t0
    if r.status != 200 or digest.hexdigest() != meta["sha256"]:
        raise BenchError(f"GET {url}: HTTP {r.status}, or the bytes do not match")
    return seconds, s.max_kb


def _big_url(srv: Server, project: str, meta: dict) -> str:
    page = f"{srv.base}/simple/{project}/"
    r = fetch("GET", page)
    links = _file_links(srv, page, r.body)
    if r.status != 200 or meta["filename"] not in links:
        raise BenchError(f"{srv.name}: {meta['filename']} is not on {page} (HTTP {r.status})")
    return links[meta["filename"]]


def big_file(cache: Server, upstream: Server, args) -> dict:
    """A ``--big-mb`` MiB wheel on the upstream and another as a local
    project of the cache: its first download through the cache against a
    direct download from the upstream, then ``--big-repeats`` downloads of
    each (direct, cached, local), interleaved; the cache's RSS meanwhile."""
    remote = make_big_wheel(args.work_dir, args.big_mb, "cheesebench-big")
    local = make_big_wheel(args.work_dir, args.big_mb, "cheeselocal-big")
    for srv, meta in ((upstream, remote), (cache, local)):
        log(f"{srv.name}: uploading {meta['filename']} ({meta['size'] / 2**20:.0f} MiB)")
        r = srv.upload(args.work_dir / "bigwheel" / meta["filename"], meta, args.big_timeout)
        if not 200 <= r.status < 300:
            raise BenchError(f"{srv.name}: big upload failed: HTTP {r.status} {r.body[:300]!r}")
    urls = {
        "direct": _big_url(upstream, "cheesebench-big", remote),
        "cached": _big_url(cache, "cheesebench-big", remote),
        "local": _big_url(cache, "cheeselocal-big", local),
    }
    out: dict = {"size_mb": remote["size"] / 2**20, "repeats": args.big_repeats}
    time.sleep(0.5)
    out["cache_rss_before_kb"] = tree_mem(cache.proc.pid)["rss_kb"]
    t_direct, _ = _timed_download(upstream, urls["direct"], remote, args.big_timeout)
    t_cold, rss = _timed_download(cache, urls["cached"], remote, args.big_timeout)
    out["direct_first_s"], out["cold_s"], out["cold_rss_peak_kb"] = t_direct, t_cold, rss
    log(
        f"big file: first download through the cache {t_cold:.2f}s, "
        f"directly from the upstream {t_direct:.2f}s"
    )
    times: dict[str, list[float]] = {k: [] for k in urls}
    peak = 0
    for _ in range(args.big_repeats):
        for kind, url in urls.items():
            srv, meta = (upstream, remote) if kind == "direct" else (cache, remote)
            if kind == "local":
                meta = local
            seconds, rss = _timed_download(srv, url, meta, args.big_timeout)
            times[kind].append(seconds)
            if srv is cache:
                peak = max(peak, rss)
    for kind, xs in times.items():
        out[f"{kind}_s"] = statistics.median(xs)
    out["warm_rss_peak_kb"] = peak
    out["cold_growth_mb"] = (out["cold_rss_peak_kb"] - out["cache_rss_before_kb"]) / 1024
    out["warm_growth_mb"] = (peak - out["cache_rss_before_kb"]) / 1024
    log(
        "big file: median of "
        + ", ".join(f"{k} {out[f'{k}_s']:.2f}s" for k in times)
        + f"; cache RSS growth {out['cold_growth_mb']:.1f} MB on the first download"
    )
    return out

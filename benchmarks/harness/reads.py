"""The read rows: which URLs each server's rows cycle over (checked before
they are measured), and phase 2, the wrk rounds with the servers
interleaved."""

from __future__ import annotations

import os
import random
import urllib.parse

from .console import BenchError, log
from .cpu import tree_cpu_ns
from .http_client import fetch, normalize, parse_links
from .memory import reset_hwm, tree_mem
from .processes import tail_file
from .servers import Server
from .wrk import run_wrk, write_lua

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

ENDPOINTS = [
    # key, label
    ("simple_root", "/simple/"),
    ("simple_html", "/simple/<p>/ HTML"),
    ("simple_json", "/simple/<p>/ JSON"),
    ("project_json", "/pypi/<p>/json"),
    ("download", "file download"),
]


def gather_urls(
    srv: Server, manifest: list[dict], limit_projects: int, check_root: bool = True
) -> dict:
    """Project names from the corpus, file download paths from the simple
    pages.  ``check_root``: check that the root index lists every project
    (a pull-through cache's upstream projects are not listed there)."""
    projects = sorted({normalize(e["name"]) for e in manifest})
    if check_root:
        _check_root(srv, projects)
    rng = random.Random(42)
    sample = projects if len(projects) <= limit_projects else rng.sample(projects, limit_projects)
    files: list[str] = []
    seen: set[str] = set()
    for p in sample:
        page = srv.simple_project(p)
        r = fetch("GET", srv.base + page, headers=srv.read_headers)
        if r.status != 200:
            raise BenchError(f"{srv.name}: {page} -> HTTP {r.status}")
        for href, text in parse_links(r.body):
            url = urllib.parse.urljoin(srv.base + page, href)
            u = urllib.parse.urlsplit(url)
            if (u.hostname, u.port) != ("127.0.0.1", srv.port):
                raise BenchError(f"{srv.name}: file link points elsewhere: {url}")
            path = u.path + ("?" + u.query if u.query else "")
            files.append(path)
            seen.add(text or u.path.rsplit("/", 1)[-1])
    want = {e["filename"] for e in manifest if normalize(e["name"]) in set(sample)}
    if not want <= seen:
        lost = sorted(want - seen)
        raise BenchError(
            f"{srv.name}: {len(lost)} uploaded files not on the simple pages, e.g. {lost[:3]}"
        )
    rng.shuffle(sample)
    rng.shuffle(files)
    return {"projects": sample, "files": files}


def _check_root(srv: Server, projects: list[str]) -> None:
    r = fetch("GET", srv.base + srv.simple_root(), headers=srv.read_headers)
    if r.status != 200:
        raise BenchError(f"{srv.name}: {srv.simple_root()} -> HTTP {r.status}")
    listed = {
        normalize(text or href.rstrip("/").rsplit("/", 1)[-1]) for href, text in parse_links(r.body)
    }
    missing = [p for p in projects if p not in listed]
    if missing:
        raise BenchError(
            f"{srv.name}: {len(missing)} projects missing from "
            f"{srv.simple_root()}, e.g. {missing[:3]}"
        )


def preflight(
    srv: Server, paths: list[str], headers: dict[str, str], want_ct=None, n: int = 3
) -> tuple[bool, str]:
    """Fetch a few of the paths; (ok, note).  ok=False means 'not supported'.
    ``headers`` include the server's ``read_headers``."""
    for p in paths[:n]:
        r = fetch("GET", srv.base + p, headers=headers)
        if r.status != 200:
            return False, f"HTTP {r.status} for {p}"
        if want_ct and r.content_type != want_ct:
            return False, f"answers {r.content_type or 'no content-type'}, not {want_ct}"
    return True, ""


def plan_reads(
    srv: Server, manifest: list[dict], args, results: dict, keys=None, check_root=True
) -> None:
    """Collect a loaded server's URLs and write one wrk script per read row
    (``srv.plans``); rows the server cannot answer are marked n/a.  ``keys``:
    only these rows (of ``ENDPOINTS``); ``check_root``: see ``gather_urls``."""
    res = results.setdefault(srv.name, {})
    log(f"{srv.name}: collecting URLs from the simple pages")
    urls = gather_urls(srv, manifest, args.max_urls, check_root)
    lua_dir = args.work_dir / "lua" / srv.name
    lua_dir.mkdir(parents=True, exist_ok=True)
    plans = [
        ("simple_root", [srv.simple_root()], {}, None),
        ("simple_html", [srv.simple_project(p) for p in urls["projects"]], {}, None),
        (
            "simple_json",
            [srv.simple_project(p) for p in urls["projects"]],
            {"Accept": SIMPLE_JSON},
            SIMPLE_JSON,
        ),
        (
            "project_json",
            [srv.json_path(p) for p in urls["projects"]] if srv.json_path("x") else [],
            dict(srv.json_headers),
            "application/json",
        ),
        ("download", urls["files"], {}, None),
    ]
    res["endpoints"] = {}
    srv.plans = {}
    for key, paths, headers, want_ct in plans:
        if keys is not None and key not in keys:
            continue
        headers = {**srv.read_headers, **headers}
        if not paths:
            res["endpoints"][key] = {"na": "no such endpoint"}
            continue
        ok, note = preflight(srv, paths, headers, want_ct)
        if not ok:
            log(f"{srv.name}: {key}: n/a ({note})")
            res["endpoints"][key] = {"na": note}
            continue
        lua = lua_dir / f"{key}.lua"
        write_lua(lua, paths, headers)
        srv.plans[key] = (lua, len(paths))


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _others_cpu_ns(srv) -> int:
    """CPU time of the processes a server's requests also make work for
    (``other_procs``, e.g. a pull-through cache's upstream index), kept
    apart from the server's own."""
    procs = getattr(srv, "other_procs", None) or ()
    return sum(tree_cpu_ns(p.pid) for p in procs if p is not None and p.poll() is None)


def _counters(srv) -> dict[str, int] | None:
    """Counters a server or read mode keeps of itself (``counters()``, e.g.
    a Varnish's cache hits and misses), read around each measured run."""
    read = getattr(srv, "counters", None)
    return read() if read is not None else None


def measure_reads(servers: list[Server], args, results: dict, endpoints=ENDPOINTS) -> None:
    """Interleave the servers: for each round and endpoint, every server is
    measured back to back (in an order that rotates each round), so that
    load changes on a shared machine hit them alike.  A row's figure is the
    median over the rounds.  ``endpoints``: the rows, (key, label) pairs
    whose keys name the servers' ``plans``."""
    runs: dict[str, dict[str, list[dict]]] = {s.name: {} for s in servers}
    for srv in servers:
        reset_hwm(srv.proc.pid)
    for rnd in range(args.rounds):
        log(f"reads: round {rnd + 1} of {args.rounds}")
        for key, _ in endpoints:
            k = rnd % len(servers) if servers else 0
            for srv in servers[k:] + servers[:k]:
                res = results[srv.name]
                if "error" in res or key not in srv.plans:
                    continue
                lua, nurls = srv.plans[key]
                try:
                    if srv.proc.poll() is not None:
                        raise BenchError(
                            f"{srv.name} died (exit {srv.proc.returncode}); log:\n"
                            + tail_file(srv.logfile)
                        )
                    if args.warmup > 0:
                        run_wrk(srv.base, lua, args.warmup, args)
                    cpu0 = tree_cpu_ns(srv.proc.pid)
                    other0 = _others_cpu_ns(srv)
                    counted0 = _counters(srv)
                    w = run_wrk(srv.base, lua, args.duration, args)
                    cpu_s = (tree_cpu_ns(srv.proc.pid) - cpu0) / 1e9
                    other_s = (_others_cpu_ns(srv) - other0) / 1e9
                    if counted0 is not None:
                        counted1 = _counters(srv)
                        w["counters"] = {k: counted1[k] - v for k, v in counted0.items()}
                except BenchError as e:
                    res["error"] = str(e)
                    log(f"{srv.name}: ERROR: {e}")
                    continue
                w["urls"] = nurls
                w["loadavg"] = os.getloadavg()
                # The server's CPU time per request: its cost, which load on
                # the machine disturbs far less than its requests/s.
                w["server_cpu_s"] = cpu_s
                if w.get("requests"):
                    w["cpu_ms_per_request"] = cpu_s * 1e3 / w["requests"]
                    if getattr(srv, "other_procs", None):
                        w["other_cpu_ms_per_request"] = other_s * 1e3 / w["requests"]
                runs[srv.name].setdefault(key, []).append(w)
                bad = ""
                if w["non2xx"] or w["socket_errors"]:
                    bad = f"  !! non-2xx/3xx={w['non2xx']} socket errors={w['socket_errors']}"
                log(
                    f"{srv.name:10s} {key:13s} {w['rps']:9.1f} req/s  p99 "
                    f"{w.get('p99_ms', 0):8.2f} ms  server CPU "
                    f"{w.get('cpu_ms_per_request', 0):.2f} ms/req  ({nurls} URLs){bad}"
                )
    for srv in servers:
        res = results[srv.name]
        if getattr(srv, "label", None):  # a read mode's column heading
            res["label"] = srv.label
        eps = res.setdefault("endpoints", {})
        for key, ws in runs[srv.name].items():
            agg = {
                "rps": _median([w["rps"] for w in ws]),
                "non2xx": sum(w["non2xx"] for w in ws),
                "socket_errors": sum(w["socket_errors"] for w in ws),
                "urls": ws[0]["urls"],
                "rounds": [{k: v for k, v in w.items()} for w in ws],
            }
            p99s = [w["p99_ms"] for w in ws if "p99_ms" in w]
            if p99s:
                agg["p99_ms"] = _median(p99s)
            counted = [w["counters"] for w in ws if "counters" in w]
            if counted:
                agg["counters"] = {k: sum(c.get(k, 0) for c in counted) for k in counted[0]}
            for median_key in ("cpu_ms_per_request", "other_cpu_ms_per_request", "mib_per_s"):
                figures = [w[median_key] for w in ws if median_key in w]
                if figures:
                    agg[median_key] = _median(figures)
            eps[key] = agg
        if srv.proc is not None and srv.proc.poll() is None:
            mem = tree_mem(srv.proc.pid)
            res["read_hwm_kb"] = mem["hwm_kb"]
            res["read_worker_hwm_kb"] = mem["max_hwm_kb"]
            res["rss_end_kb"] = mem["rss_kb"]
            res["nprocs"] = mem["nprocs"]
            res["peak_rss_kb"] = max(res.get("upload_hwm_kb", 0), res["read_hwm_kb"])

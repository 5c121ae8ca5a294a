"""One run of ``ceiling.py``: load cheeseshop, start it afresh on its data,
start the ceiling app (``ceiling_app.py``) serving the bytes of one of
cheeseshop's cached project pages with ``cheeseshop serve``'s waitress
settings, measure both with wrk in interleaved rounds, and record each
one's memory: RSS after start and the peak (VmHWM) during the reads.
Also ``render``: the report of a saved results file."""

from __future__ import annotations

import datetime
import json
import shutil
import sys
from pathlib import Path

from .console import BenchError, log
from .corpus import make_corpus
from .docs_page import machine_section, read_loads, rst_table
from .http_client import fetch, normalize
from .loading import load_server
from .machine import machine_info
from .memory import tree_mem
from .paths import REPO
from .private_servers import InstalledCheeseshop, source_checkout
from .processes import kill_all, kill_all_on_exit, run
from .reads import measure_reads, plan_reads
from .servers import Cheeseshop, Server
from .wrk import write_lua

APP = Path(__file__).resolve().parent / "ceiling_app.py"
ROWS = [
    # key, label, is it the ceiling
    ("ceiling", "ceiling: minimal Pyramid app, fixed body", True),
    ("simple_html", "cheeseshop /simple/<p>/ HTML (cached)", False),
    ("simple_json", "cheeseshop /simple/<p>/ JSON (cached)", False),
    ("project_json", "cheeseshop /pypi/<p>/json", False),
]
TARGET_RATIO = 0.5  # a cached project page at >= 50% of the ceiling
TARGET_RSS_MB = 150  # peak RSS of a worker under the read benchmark


def serve_options(cheeseshop: Cheeseshop) -> dict:
    """waitress's options as ``cheeseshop serve`` sets them, asked of the
    cheeseshop measured in a process of their own (importing cheeseshop
    into the ceiling app would add its memory to the ceiling's)."""
    code = (
        "import json, importlib; serve = importlib.import_module('cheeseshop.cli.serve'); "
        "print(json.dumps(serve.SLOW_CLIENT_LIMITS))"
    )
    limits = json.loads(run([cheeseshop.bin("python"), "-c", code], env=cheeseshop.env()).stdout)
    # serve's default threads (8) and its ident; max_request_body_size only
    # bounds request bodies, and these reads have none.
    return {"threads": 8, "ident": "cheeseshop", **limits}


class Ceiling(Server):
    """The minimal app, run by cheeseshop's Python (same pyramid, waitress)."""

    name = "ceiling"

    def __init__(self, args, work, cheeseshop: Cheeseshop, body: Path, content_type, options):
        super().__init__(args, work)
        self.cheeseshop = cheeseshop
        self.body, self.content_type, self.options = body, content_type, options
        self.logfile = work / "logs" / "ceiling" / "ceiling.log"

    def ready_path(self):
        return "/simple/ready/"

    def env(self):
        return self.cheeseshop.env()

    def versions(self):
        return {}

    def command(self):
        return [
            self.cheeseshop.bin("python"),
            str(APP),
            str(self.port),
            str(self.body),
            self.content_type,
            json.dumps(self.options),
        ]


def _mb(kb) -> str:
    return f"{kb / 1024:.0f} MB" if kb else "?"


def report_rows(results) -> list[list[str]]:
    reads = results["reads"]
    top = reads.get("ceiling", {}).get("endpoints", {}).get("ceiling", {})
    ceiling, ceiling_cpu = top.get("rps"), top.get("cpu_ms_per_request")
    rows = []
    for key, label, is_ceiling in ROWS:
        srv = "ceiling" if is_ceiling else "cheeseshop"
        ep = reads.get(srv, {}).get("endpoints", {}).get(key, {})
        if "rps" not in ep:
            rows.append([label, ep.get("na", "error"), "", "", "", ""])
            continue
        cpu = ep.get("cpu_ms_per_request")
        rows.append(
            [
                label,
                f"{ep['rps']:.0f}",
                f"{ep['rps'] / ceiling:.0%}" if ceiling else "?",
                f"{cpu:.2f}" if cpu else "?",
                f"{ceiling_cpu / cpu:.0%}" if cpu and ceiling_cpu else "?",
                f"{ep.get('p99_ms', 0):.1f}",
            ]
        )
    return rows


# "of the ceiling": requests/s against the ceiling's; "CPU: ceiling's /
# this": the ceiling's CPU time per request against this row's, the same
# ratio measured in what load on the machine disturbs least.
ROW_HEAD = [
    "read",
    "requests/s",
    "of the ceiling",
    "server CPU ms/request",
    "CPU: ceiling's / this",
    "p99 ms",
]
MEM_HEAD = ["server", "RSS after start", "peak RSS (VmHWM) during the reads", "RSS at the end"]


def memory_rows(results) -> list[list[str]]:
    rows = []
    for name in ("ceiling", "cheeseshop"):
        res = results["reads"].get(name, {})
        rows.append(
            [
                name,
                _mb(results["memory"].get(name, {}).get("rss_start_kb")),
                _mb(res.get("read_hwm_kb")),
                _mb(res.get("rss_end_kb")),
            ]
        )
    return rows


def verdicts(results) -> list[str]:
    reads = results["reads"]
    ceiling = reads.get("ceiling", {}).get("endpoints", {}).get("ceiling", {}).get("rps")
    out = []
    for key in ("simple_html", "simple_json"):
        rps = reads.get("cheeseshop", {}).get("endpoints", {}).get(key, {}).get("rps")
        if rps and ceiling:
            ok = rps / ceiling >= TARGET_RATIO
            out.append(
                f"{key}: {rps / ceiling:.0%} of the ceiling (target >= {TARGET_RATIO:.0%}): "
                + ("met" if ok else "NOT met")
            )
    hwm = reads.get("cheeseshop", {}).get("read_hwm_kb")
    if hwm:
        ok = hwm / 1024 <= TARGET_RSS_MB
        out.append(
            f"cheeseshop peak RSS during the reads: {hwm / 1024:.0f} MB "
            f"(target <= {TARGET_RSS_MB} MB): " + ("met" if ok else "NOT met")
        )
    return out


def _text_table(head, rows) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    fmt = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def print_report(results) -> None:
    meta = results["_meta"]
    print(
        f"Ceiling: {meta['projects']} projects x {meta['releases']} releases, one worker each, "
        f"wrk -c{meta['connections']} -t{meta['wrk_threads']} {meta['duration']}s x "
        f"{meta['rounds']} rounds (median); body {meta.get('body_bytes', '?')} bytes"
    )
    print(_text_table(ROW_HEAD, report_rows(results)))
    print()
    print(_text_table(MEM_HEAD, memory_rows(results)))
    print()
    for line in verdicts(results):
        print(line)
    for err in results.get("errors", ()):
        print("error:", err)


def write_docs(path: Path, results: dict, command: str) -> None:
    meta = results["_meta"]
    loads = read_loads(results)
    load_note = (
        f"{min(loads):.1f} to {max(loads):.1f}" if loads else "?"
    )  # 1-minute load average after each wrk run
    lines = [
        ".. This page is written by benchmarks/ceiling.py --write-docs; do not edit it by hand.",
        "",
        "Benchmarks: the stack's ceiling",
        "===============================",
        "",
        "How close a cached project page comes to the fastest page this stack",
        "(Python, Pyramid, waitress) can serve at all: the *ceiling* is a minimal",
        "Pyramid app with one route answering a fixed body, the bytes of one of",
        "cheeseshop's simple pages, served by waitress with the settings",
        "``cheeseshop serve`` uses (its threads, connection limit, channel timeout,",
        "cleanup interval and input buffer, as ``cheeseshop.cli.serve`` sets them).",
        "The two ran side by side, one worker each, on the same Python and",
        "packages, and wrk measured them in interleaved rounds, so that a change",
        "in the machine's load hits both alike.",
        "",
        "Command::",
        "",
        f"    {command}",
        "",
        f"Run on {meta['date']}, {meta.get('minutes', 0):.1f} minutes.  Workload: "
        f"{meta['projects']} projects x {meta['releases']} releases (cheeseshop on SQLite and",
        "a folder, loaded through its upload API, then started afresh so that its",
        "memory is that of a worker serving reads); each row cycles over",
        f"the corpus's project URLs with wrk -c{meta['connections']} -t{meta['wrk_threads']},"
        f" {meta['duration']} s after a {meta['warmup']} s warm-up, over {meta['rounds']} rounds;",
        "cells show the median.  The ceiling's body is "
        f"{meta.get('body_bytes', '?')} bytes ({meta.get('body_content_type', '?')}).",
        "",
        "**The machine is small, shared and was busy**: other jobs ran beside the",
        "benchmark (the 1-minute load average after the wrk runs went from "
        f"{load_note}), so absolute figures move from run to run; the ratios,",
        "measured interleaved, and the CPU time per request move much less.",
        "",
        "Requests",
        "--------",
        "",
        "*of the ceiling*: the row's requests/s against the ceiling's.  *CPU:",
        "ceiling's / this*: the ceiling's server CPU time per request against the",
        "row's, the same ratio in the figure the machine's load disturbs least.",
        "",
        rst_table(ROW_HEAD, report_rows(results)),
        "",
        "Memory",
        "------",
        "",
        "The sum over each server's processes (one each), from ``/proc``: VmRSS",
        "after start, before any request; VmHWM, the peak, reset when the reads",
        "started; VmRSS when they ended.",
        "",
        rst_table(MEM_HEAD, memory_rows(results)),
        "",
        "Targets",
        "-------",
        "",
    ]
    lines += [f"* {v}" for v in verdicts(results)]
    lines += [f"* error: {e}" for e in results.get("errors", ())]
    lines += [
        "",
        "What a cached page does that the ceiling does not",
        "-------------------------------------------------",
        "",
        "The page itself comes from the page cache, but its cache key holds the",
        "project's last serial, which only the database knows (nothing in a",
        "request depends on process-local state, so any worker may answer after",
        "another took an upload).  So every request still: checks out a pooled",
        "read connection and begins a transaction on it; looks the project up",
        "(one indexed query, through SQLAlchemy Core); checks the read permission",
        "twice (the root's gate, then the view's), through the ACL security policy;",
        "goes through pyramid_tm's tween (which leaves a read alone) and the",
        "exception view tween; negotiates the media type from ``Accept``; builds",
        "the caching headers (ETag, Cache-Control, Vary, CDN surrogate keys, serial)",
        "and the security headers; rolls the read transaction back and returns the",
        "connection; and writes the access log line (logging module).  Pyramid",
        "also makes a class per request for the request methods that packages",
        "add (``add_request_method``).",
        "",
    ]
    lines += machine_section(meta)
    lines.append("")
    path.write_text("\n".join(lines))


def render(args) -> int:
    results = json.loads(args.render.read_text())
    print_report(results)
    if args.write_docs:
        write_docs(args.docs_path, results, results["_meta"]["command"])
        print(f"wrote {args.docs_path}")
    return 0


def run_ceiling(args, command: str) -> int:
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if not sys.platform.startswith("linux"):
        print("error: needs Linux (/proc for CPU and memory figures)", file=sys.stderr)
        return 2
    kill_all_on_exit()
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now()
    results: dict = {
        "_meta": {
            "date": started.strftime("%Y-%m-%d %H:%M"),
            "projects": args.projects,
            "releases": args.releases,
            "duration": args.duration,
            "warmup": args.warmup,
            "connections": args.connections,
            "rounds": args.rounds,
            "wrk_threads": args.wrk_threads,
            "cheeseshop_serve_args": args.cheeseshop_serve_args,
            "cheeseshop_install": args.cheeseshop_install,
            "command": command,
        },
        "load": {},
        "reads": {},
        "memory": {},
        "errors": [],
    }
    cls = InstalledCheeseshop if args.cheeseshop_install == "current" else Cheeseshop
    cs = cls(args, work)
    cs.data = work / "data" / "ceiling" / cs.name
    cs.logfile = work / "logs" / "ceiling" / f"{cs.name}.log"
    ceiling = None
    try:
        cdir, manifest = make_corpus(work, args.projects, args.releases)
        cs.install()
        checkout = source_checkout(cs) or REPO
        results["_meta"]["cheeseshop_source"] = str(checkout)
        results["_meta"]["machine"] = machine_info(results, checkout)
        load_server(cs, cdir, manifest, args, results["load"])
        # A fresh process: the memory of a worker that serves reads, not
        # of one that took the uploads.
        cs.stop()
        cs.start()
        results["memory"]["cheeseshop"] = {"rss_start_kb": tree_mem(cs.proc.pid)["rss_kb"]}
        plan_reads(cs, manifest, args, results["reads"], keys=[k for k, *_ in ROWS])
        first = cs.simple_project(sorted({normalize(e["name"]) for e in manifest})[0])
        page = fetch("GET", cs.base + first)
        if page.status != 200:
            raise BenchError(f"cheeseshop: {first} -> HTTP {page.status}")
        body = work / "ceiling-body.html"
        body.write_bytes(page.body)
        results["_meta"]["body_bytes"] = len(page.body)
        content_type = page.headers.get("content-type") or page.content_type
        results["_meta"]["body_content_type"] = content_type
        ceiling = Ceiling(args, work, cs, body, content_type, serve_options(cs))
        results["_meta"]["waitress_options"] = ceiling.options
        ceiling.start()
        results["memory"]["ceiling"] = {"rss_start_kb": tree_mem(ceiling.proc.pid)["rss_kb"]}
        lua = work / "lua" / "ceiling" / "ceiling.lua"
        lua.parent.mkdir(parents=True, exist_ok=True)
        lua_src, nurls = cs.plans["simple_html"]
        paths = [line.strip().strip('",') for line in lua_src.read_text().splitlines()]
        paths = [p for p in paths if p.startswith("/simple/")]
        write_lua(lua, paths, {})
        ceiling.plans = {"ceiling": (lua, len(paths))}
        results["reads"]["ceiling"] = {"endpoints": {}}
        measure_reads(
            [ceiling, cs], args, results["reads"], endpoints=[(k, label) for k, label, _ in ROWS]
        )
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        kill_all()
        return 130
    except BenchError as e:
        log(f"ERROR: {e}")
        return 1
    finally:
        for srv in (ceiling, cs):
            if srv is not None:
                srv.stop()
        kill_all()
    results["_meta"]["minutes"] = (datetime.datetime.now() - started).total_seconds() / 60
    for name, res in results["reads"].items():
        if "error" in res:
            results["errors"].append(f"{name}: {res['error'].splitlines()[0]}")

    print()
    print_report(results)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    rpath = work / "results" / f"ceiling-{stamp}.json"
    rpath.parent.mkdir(parents=True, exist_ok=True)
    rpath.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nraw results: {rpath}")
    if args.write_docs:
        write_docs(args.docs_path, results, command)
        print(f"wrote {args.docs_path}")
    return 1 if results["errors"] else 0

"""One run of ``pull_through.py``: load the upstream index and the caching
index (each its own corpus of the same shape), warm the cache one request
at a time, start the revalidating twin, measure the reads interleaved
(local projects, cached upstream projects, revalidated pages), then the
large file; print the report, save the results JSON and (--write-docs)
write the docs page.  Also ``render``: the report of a saved results file."""

from __future__ import annotations

import datetime
import json
import shutil
import sys

from .console import BenchError, log
from .corpus import make_corpus
from .loading import load_server
from .machine import machine_info
from .paths import REPO
from .private_servers import InstalledCheeseshop, ReadMode, source_checkout
from .processes import kill_all, kill_all_on_exit
from .pull_through_cold import big_file, warm_cache
from .pull_through_docs import write_docs
from .pull_through_report import print_report
from .pull_through_servers import caching_index, revalidating_twin, upstream_index
from .reads import measure_reads, plan_reads
from .servers import Cheeseshop

LOCAL_PREFIX = "cheeselocal"  # the caching index's own projects; as long as "cheesebench"
PAGE_ROWS = ("simple_html", "simple_json")
READ_ROWS = (*PAGE_ROWS, "download")


def render(args) -> int:
    results = json.loads(args.render.read_text())
    print_report(results)
    if args.write_docs:
        write_docs(args.docs_path, results, results["_meta"]["command"])
        print(f"wrote {args.docs_path}")
    return 0


def _meta(args, command: str, started) -> dict:
    return {
        "date": started.strftime("%Y-%m-%d %H:%M"),
        "projects": args.projects,
        "releases": args.releases,
        "files": args.projects * args.releases,
        "duration": args.duration,
        "warmup": args.warmup,
        "connections": args.connections,
        "rounds": args.rounds,
        "wrk_threads": args.wrk_threads,
        "upload_threads": args.upload_threads,
        "big_mb": args.big_mb,
        "cheeseshop_serve_args": args.cheeseshop_serve_args,
        "cheeseshop_install": args.cheeseshop_install,
        "command": command,
    }


def _modes(cache, twin, upstream) -> list[ReadMode]:
    modes = [
        ReadMode("local", "local projects", cache, {}),
        ReadMode("cached", "cached upstream projects", cache, {}),
        ReadMode("revalidated", "upstream projects, ttl 0", twin, {}),
    ]
    for mode in modes:
        mode.other_procs = [upstream.proc]
    return modes


def run_pull_through(args, command: str) -> int:
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
        "_meta": _meta(args, command, started),
        "versions": {},
        "load": {},
        "reads": {},
        "errors": [],
    }
    running = []
    try:
        rdir, remote = make_corpus(work, args.projects, args.releases)
        ldir, local = make_corpus(work, args.projects, args.releases, LOCAL_PREFIX)
        cls = InstalledCheeseshop if args.cheeseshop_install == "current" else Cheeseshop
        upstream = upstream_index(cls, args, work)
        upstream.install()
        checkout = source_checkout(upstream)
        results["_meta"]["cheeseshop_source"] = str(checkout) if checkout else "?"
        results["_meta"]["machine"] = machine_info(results, checkout or REPO)
        results["versions"] = upstream.versions()

        running.append(upstream)
        load_server(upstream, rdir, remote, args, results["load"])
        cache = caching_index(cls, args, work, upstream)
        running.append(cache)
        load_server(cache, ldir, local, args, results["load"])
        results["cold"] = warm_cache(cache, upstream, remote, local)

        twin = revalidating_twin(cache)
        running.append(twin)
        twin.start()
        modes = _modes(cache, twin, upstream)
        for mode, manifest in zip(modes, (local, remote, remote), strict=True):
            keys = PAGE_ROWS if mode.name == "revalidated" else READ_ROWS
            plan_reads(mode, manifest, args, results["reads"], keys=keys, check_root=False)
        measure_reads(modes, args, results["reads"])
        for mode in modes:
            results["reads"][mode.name]["label"] = mode.label
        if args.big_mb > 0:
            twin.stop()
            results["big"] = big_file(cache, upstream, args)
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        kill_all()
        return 130
    except BenchError as e:
        log(f"ERROR: {e}")
        return 1
    finally:
        for srv in running:
            srv.stop()
        kill_all()
    results["_meta"]["minutes"] = (datetime.datetime.now() - started).total_seconds() / 60

    print()
    print_report(results)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    rpath = work / "results" / f"pull-through-{stamp}.json"
    rpath.parent.mkdir(parents=True, exist_ok=True)
    rpath.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nraw results: {rpath}")
    if args.write_docs:
        write_docs(args.docs_path, results, command)
        print(f"wrote {args.docs_path}")
    errors = any("error" in r for r in results["reads"].values())
    return 1 if errors or results["errors"] else 0

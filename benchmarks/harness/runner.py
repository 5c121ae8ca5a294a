"""One benchmark run from parsed options: load each server in turn, measure
the reads with all of them interleaved, run the large-wheel test, then print
the report, save the results JSON and (--write-docs) write the docs page.
Also ``render``: the report of a saved results file, running nothing."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sys
import traceback

from .big_file import big_file_test
from .console import BenchError, log
from .corpus import make_corpus
from .loading import load_server
from .machine import machine_info
from .processes import kill_all, kill_all_on_exit
from .reads import measure_reads, plan_reads
from .report import build_table, print_report
from .servers import ORDER, SERVERS


def render(args, docs_writer) -> int:
    results = json.loads(args.render.read_text())
    head, rows, notes = build_table(results)
    print_report(results, head, rows, notes)
    if args.write_docs:
        docs_writer(args.docs_path, results, head, rows, notes, results["_meta"]["command"])
        print(f"wrote {args.docs_path}")
    return 0


def run_benchmark(args, command: str, docs_writer) -> int:
    """The whole run; ``command`` is how it was invoked, for the docs page.
    ``docs_writer(path, results, head, rows, notes, command)`` writes the
    docs page.  Returns the exit status."""
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if not sys.platform.startswith("linux"):
        print("error: needs Linux (/proc for memory figures)", file=sys.stderr)
        return 2
    kill_all_on_exit()

    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "_meta": {
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "projects": args.projects,
            "releases": args.releases,
            "files": args.projects * args.releases,
            "duration": args.duration,
            "warmup": args.warmup,
            "connections": args.connections,
            "rounds": args.rounds,
            "cheeseshop_serve_args": args.cheeseshop_serve_args,
            "wrk_threads": args.wrk_threads,
            "upload_threads": args.upload_threads,
            "big_limit_mb": args.big_limit_mb,
            "command": command,
        }
    }
    failed = False
    try:
        results["_meta"]["machine"] = machine_info(results)
        cdir, manifest = make_corpus(work, args.projects, args.releases)
        order = [s for s in ORDER if s in args.servers]
        servers = [SERVERS[s](args, work) for s in order]
        loaded = []
        # Phase 1, one server at a time: install, start, upload, collect URLs.
        # Loaded servers stay up (idle) for the interleaved read phase.
        for srv in servers:
            r = results.setdefault(srv.name, {})
            try:
                srv.install()
                r["versions"] = srv.versions()
                load_server(srv, cdir, manifest, args, results)
                plan_reads(srv, manifest, args, results)
                loaded.append(srv)
            except Exception as e:  # keep going with the other servers
                failed = True
                r["error"] = str(e) if isinstance(e, BenchError) else f"{type(e).__name__}: {e}"
                log(
                    f"{srv.name}: ERROR: "
                    + (str(e) if isinstance(e, BenchError) else traceback.format_exc())
                )
                srv.stop()
        # Phase 2: reads, all servers interleaved.
        measure_reads(loaded, args, results)
        # Phase 3: the large-wheel memory test.
        for srv in loaded:
            r = results[srv.name]
            if srv.name in args.big_servers and args.big_mb > 0 and "error" not in r:
                try:
                    r["big"] = big_file_test(srv, args)
                except Exception as e:
                    failed = True
                    r["big_error"] = str(e)
                    log(f"{srv.name}: big-file test ERROR: {e}")
        for srv in servers:
            srv.stop()
            if "error" in results[srv.name]:
                failed = True
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        kill_all()
        return 130
    except BenchError as e:
        log(f"ERROR: {e}")
        return 1
    finally:
        kill_all()

    head, rows, notes = build_table(results)
    print()
    print(
        f"cheeseshop vs devpi vs pypiserver: {args.projects} projects x {args.releases} "
        f"releases, wrk -c{args.connections} -t{args.wrk_threads} -d{args.duration:g}s, "
        f"{os.cpu_count()} CPUs"
    )
    print()
    print_report(results, head, rows, notes)

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    rpath = work / "results" / f"results-{stamp}.json"
    rpath.parent.mkdir(parents=True, exist_ok=True)
    rpath.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nraw results: {rpath}")
    if args.write_docs:
        docs_writer(args.docs_path, results, head, rows, notes, command)
        print(f"wrote {args.docs_path}")
    return 1 if failed else 0

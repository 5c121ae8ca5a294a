"""One run of ``varnish.py``: cheeseshop with Varnish in front, loaded with
the corpus; the reads measured through Varnish and directly, interleaved;
then the mixed run (reads through Varnish while a writer uploads); print
the report, save the results JSON and (--write-docs) write the docs page.
Also ``render``: the report of a saved results file."""

from __future__ import annotations

import datetime
import json
import shutil
import sys

from .console import BenchError, log
from .corpus import make_corpus
from .http_client import normalize
from .loading import load_server
from .machine import machine_info
from .paths import REPO
from .private_servers import InstalledCheeseshop, ReadMode, source_checkout
from .processes import kill_all, kill_all_on_exit
from .reads import SIMPLE_JSON, measure_reads, plan_reads
from .servers import Cheeseshop
from .varnish_churn import CHURN_ROWS, Writer, run_churn
from .varnish_docs import write_docs
from .varnish_front import VARNISHD, ThroughVarnish, Varnish, check_hit, fronted_cheeseshop
from .varnish_report import print_report


def render(args) -> int:
    results = json.loads(args.render.read_text())
    if args.docs_note:
        results["_meta"]["docs_note"] = args.docs_note
    print_report(results)
    if args.write_docs:
        write_docs(args.docs_path, results, results["_meta"]["command"])
        print(f"wrote {args.docs_path}")
    return 0


def _meta(args, command: str, started) -> dict:
    keys = (
        "projects releases duration warmup connections rounds wrk_threads upload_threads "
        "s_maxage varnish_storage churn_duration churn_interval churn_projects "
        "cheeseshop_serve_args cheeseshop_install docs_note"
    ).split()
    meta = {k: getattr(args, k) for k in keys}
    meta["files"] = args.projects * args.releases
    meta["date"] = started.strftime("%Y-%m-%d %H:%M")
    meta["command"] = command
    return meta


def _purge_warnings(srv) -> int:
    """Bans cheeseshop could not send (it logs them and carries on)."""
    try:
        return srv.logfile.read_text(errors="replace").count("could not purge")
    except OSError:
        return 0


def run_varnish(args, command: str) -> int:
    for tool in ("wrk", VARNISHD):
        if shutil.which(tool) is None:
            print(f"error: {tool} is not installed (apt-get install wrk varnish)", file=sys.stderr)
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
    srv = None
    try:
        cdir, manifest = make_corpus(work, args.projects, args.releases)
        cls = InstalledCheeseshop if args.cheeseshop_install == "current" else Cheeseshop
        front = Varnish(work, args.varnish_storage, args.start_timeout)
        srv = fronted_cheeseshop(cls, args, work, front)
        srv.install()
        checkout = source_checkout(srv)
        results["_meta"]["cheeseshop_source"] = str(checkout) if checkout else "?"
        results["_meta"]["machine"] = machine_info(results, checkout or REPO)
        results["versions"] = {**srv.versions(), "varnish": front.version()}

        load_server(srv, cdir, manifest, args, results["load"])
        direct = ReadMode("direct", "cheeseshop directly", srv, {})
        through = ThroughVarnish("varnish", "through Varnish", srv, front)
        modes = [direct, through]
        for mode in modes:
            plan_reads(mode, manifest, args, results["reads"])
        first = through.simple_project(normalize(manifest[0]["name"]))
        results["hit_check"] = check_hit(through, first, {"Accept": SIMPLE_JSON})
        measure_reads(modes, args, results["reads"])
        for mode in modes:
            results["reads"][mode.name]["label"] = mode.label

        projects = sorted({normalize(e["name"]) for e in manifest})[: args.churn_projects]
        writer = Writer(srv, through, projects, work / "data" / "varnish" / "churn-wheels")
        if args.churn_duration > 0:
            results["churn"] = run_churn(writer, CHURN_ROWS, args)
        results["purge_warnings"] = _purge_warnings(srv)
        results["varnish_totals"] = front.counters()
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        kill_all()
        return 130
    except BenchError as e:
        log(f"ERROR: {e}")
        return 1
    finally:
        if srv is not None:
            srv.stop()
        kill_all()
    results["_meta"]["minutes"] = (datetime.datetime.now() - started).total_seconds() / 60

    print()
    print_report(results)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    rpath = work / "results" / f"varnish-{stamp}.json"
    rpath.parent.mkdir(parents=True, exist_ok=True)
    rpath.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nraw results: {rpath}")
    if args.write_docs:
        write_docs(args.docs_path, results, command)
        print(f"wrote {args.docs_path}")
    errors = any("error" in r for r in results["reads"].values())
    invisible = sum(
        c["not_visible"] + c["uploads_failed"] for c in results.get("churn", {}).values()
    )
    return 1 if errors or results["errors"] or invisible else 0

"""One run of compare.py: load each server in turn and start it afresh on
its data, start the stack's ceiling beside cheeseshop, measure the reads
with all of them interleaved, run the large-wheel test; the session then
prints the report, saves the results JSON and (--write-docs) writes the
docs page (``bench``)."""

from __future__ import annotations

import traceback

from . import session
from .big_file import big_file_test
from .ceiling_server import ROW, start_ceiling
from .console import BenchError, log
from .corpus import make_corpus
from .installed_cheeseshop import cheeseshop_class
from .loading import load_server
from .machine import machine_info
from .reads import ENDPOINTS, measure_reads, plan_reads
from .report import print_report
from .servers import ORDER, SERVERS

# The ceiling's row sits between the two cached project pages it is
# compared with, so that it is measured right beside them in every round.
ROWS = ENDPOINTS[:2] + [ROW] + ENDPOINTS[2:]


def _error(e: Exception) -> str:
    return str(e) if isinstance(e, BenchError) else f"{type(e).__name__}: {e}"


def _load(srv, cdir, manifest, args, results) -> bool:
    """Phase 1 for one server: install, upload the corpus, start afresh
    (its memory that of a server that serves reads, not of one that took
    the uploads), plan its reads.  False if it failed (recorded)."""
    r = results.setdefault(srv.name, {})
    try:
        srv.install()
        r["versions"] = srv.versions()
        load_server(srv, cdir, manifest, args, results)
        if not r["upload"].get("reused_from"):
            srv.restart()
        plan_reads(srv, manifest, args, results)
        return True
    except Exception as e:  # keep going with the other servers
        r["error"] = _error(e)
        log(
            f"{srv.name}: ERROR: "
            + (str(e) if isinstance(e, BenchError) else traceback.format_exc())
        )
        srv.stop()
        return False


def _measure(args, results: dict, running: list) -> None:
    cdir, manifest = make_corpus(args.work_dir, args.projects, args.releases)
    servers = [
        (cheeseshop_class(args) if name == "cheeseshop" else SERVERS[name])(args, args.work_dir)
        for name in ORDER
        if name in args.servers
    ]
    cs = next((srv for srv in servers if srv.name == "cheeseshop"), None)
    if cs is not None:
        cs.install()
        session.record_source(results, cs)
    else:
        results["_meta"]["machine"] = machine_info(results)
    # Loaded servers stay up (idle) for the interleaved read phase.
    running += servers
    loaded = [srv for srv in servers if _load(srv, cdir, manifest, args, results)]
    measured = list(loaded)
    if cs in loaded and args.ceiling:
        try:
            ceiling = start_ceiling(cs, manifest, args, results)
            running.append(ceiling)
            measured.append(ceiling)
        except Exception as e:
            results.setdefault("ceiling", {})["error"] = _error(e)
            log(f"ceiling: ERROR: {e}")
    measure_reads(measured, args, results, endpoints=ROWS)
    # Phase 3: the large-wheel memory test.
    for srv in loaded:
        r = results[srv.name]
        if srv.name in args.big_servers and args.big_mb > 0 and "error" not in r:
            try:
                r["big"] = big_file_test(srv, args)
            except Exception as e:
                r["big_error"] = str(e)
                log(f"{srv.name}: big-file test ERROR: {e}")


def _failed(results: dict) -> bool:
    return any(
        "error" in r or "big_error" in r
        for name, r in results.items()
        if name != "_meta" and isinstance(r, dict)
    )


def bench(docs_writer, prefix: str) -> session.Bench:
    """compare.py's run; ``docs_writer(path, results, command)`` writes its
    docs page (a front's own, for ceiling.py and public_shape.py);
    ``prefix`` names its results files."""
    return session.Bench(
        prefix,
        _measure,
        print_report,
        docs_writer,
        meta_keys=("big_limit_mb", "servers", "ceiling"),
        results=dict,
        failed=_failed,
    )

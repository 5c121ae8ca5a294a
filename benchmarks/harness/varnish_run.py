"""One run of ``varnish.py``: cheeseshop with Varnish in front, loaded with
the corpus; the reads measured through Varnish and directly, interleaved;
then the mixed run (reads through Varnish while a writer uploads); print
the report, save the results JSON and (--write-docs) write the docs page.
``BENCH``: this run, as ``session.Bench`` frames it."""

from __future__ import annotations

from . import session
from .corpus import make_corpus
from .http_client import normalize
from .installed_cheeseshop import cheeseshop_class
from .loading import load_server
from .private_servers import ReadMode
from .reads import SIMPLE_JSON, measure_reads, plan_reads
from .varnish_churn import CHURN_ROWS, Writer, run_churn
from .varnish_docs import write_docs
from .varnish_front import VARNISHD, ThroughVarnish, Varnish, check_hit, fronted_cheeseshop
from .varnish_report import print_report


def _purge_warnings(srv) -> int:
    """Bans cheeseshop could not send (it logs them and carries on)."""
    try:
        return srv.logfile.read_text(errors="replace").count("could not purge")
    except OSError:
        return 0


def _measure(args, results: dict, running: list) -> None:
    work = args.work_dir
    cdir, manifest = make_corpus(work, args.projects, args.releases)
    front = Varnish(work, args.varnish_storage, args.start_timeout)
    srv = fronted_cheeseshop(cheeseshop_class(args), args, work, front)
    running.append(srv)
    srv.install()
    session.record_source(results, srv)
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

    projects = sorted({normalize(e["name"]) for e in manifest})[: args.churn_projects]
    writer = Writer(srv, through, projects, work / "data" / "varnish" / "churn-wheels")
    if args.churn_duration > 0:
        results["churn"] = run_churn(writer, CHURN_ROWS, args)
    results["purge_warnings"] = _purge_warnings(srv)
    results["varnish_totals"] = front.counters()


def _failed(results: dict) -> bool:
    """A failed read, or an upload not visible through Varnish at once."""
    invisible = sum(
        c["not_visible"] + c["uploads_failed"] for c in results.get("churn", {}).values()
    )
    return session.default_failed(results) or bool(invisible)


BENCH = session.Bench(
    "varnish",
    _measure,
    print_report,
    write_docs,
    tools=("wrk", VARNISHD),
    meta_keys=tuple(
        "s_maxage varnish_storage churn_duration churn_interval churn_projects docs_note".split()
    ),
    failed=_failed,
)

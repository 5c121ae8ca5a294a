"""One run of ``pull_through.py``: load the upstream index and the caching
index (each its own corpus of the same shape), warm the cache one request
at a time, start the revalidating twin, measure the reads interleaved
(local projects, cached upstream projects, revalidated pages), then the
large file; print the report, save the results JSON and (--write-docs)
write the docs page.  ``BENCH``: this run, as ``session.Bench`` frames it."""

from __future__ import annotations

from . import session
from .corpus import make_corpus
from .installed_cheeseshop import cheeseshop_class
from .loading import load_server
from .private_servers import ReadMode
from .pull_through_cold import big_file, warm_cache
from .pull_through_docs import write_docs
from .pull_through_report import print_report
from .pull_through_servers import caching_index, revalidating_twin, upstream_index
from .reads import measure_reads, plan_reads

LOCAL_PREFIX = "cheeselocal"  # the caching index's own projects; as long as "cheesebench"
PAGE_ROWS = ("simple_html", "simple_json")
READ_ROWS = (*PAGE_ROWS, "download")


def _modes(cache, twin, upstream) -> list[ReadMode]:
    modes = [
        ReadMode("local", "local projects", cache, {}),
        ReadMode("cached", "cached upstream projects", cache, {}),
        ReadMode("revalidated", "upstream projects, ttl 0", twin, {}),
    ]
    for mode in modes:
        mode.other_procs = [upstream.proc]
    return modes


def _measure(args, results: dict, running: list) -> None:
    work = args.work_dir
    rdir, remote = make_corpus(work, args.projects, args.releases)
    ldir, local = make_corpus(work, args.projects, args.releases, LOCAL_PREFIX)
    cls = cheeseshop_class(args)
    upstream = upstream_index(cls, args, work)
    upstream.install()
    session.record_source(results, upstream)
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
    if args.big_mb > 0:
        twin.stop()
        results["big"] = big_file(cache, upstream, args)


BENCH = session.Bench(
    "pull-through",
    _measure,
    print_report,
    write_docs,
    meta_keys=("big_mb",),
)

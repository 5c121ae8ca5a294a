"""``docs/benchmarks-varnish.rst``: the command, the workload, the tables of
``varnish_report``, the verdicts, a reading of the figures and the
machine."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .docs_page import machine_section, read_loads, rst_table
from .varnish_report import churn_table, notes, reads_table, verdicts


def page(results: dict, command: str) -> str:
    meta = results["_meta"]
    serve_args = meta.get("cheeseshop_serve_args") or ""
    versions = results.get("versions", {})
    title = "Benchmarks: Varnish in front"
    lines = [
        title,
        "=" * len(title),
        "",
        "cheeseshop behind Debian's Varnish with the VCL of :doc:`deployment`",
        "(``docs/examples/cheeseshop.vcl``): is an unchanged page a cache hit, is an",
        "upload visible through Varnish at once, what is Varnish's hit ratio under the",
        "read benchmark and under a steady stream of uploads, and what are reads",
        "through Varnish worth against reads of cheeseshop directly?  Measured by",
        "``benchmarks/varnish.py`` (see ``benchmarks/README.md``).  The machine is",
        "small and shared, so absolute numbers are noisy: read the ratios.",
        "",
        f"Run on {meta['date']} ({meta.get('minutes', 0):.0f} minutes).",
        "",
        *_noise(results),
        "Command",
        "-------",
        "",
        "::",
        "",
        f"    {command}",
        "",
        "Verdicts",
        "--------",
        "",
    ]
    lines += [f"* {v}" for v in verdicts(results)] + [""]
    lines += [
        "Workload",
        "--------",
        "",
        "One ``cheeseshop serve"
        + (f" {serve_args}" if serve_args else "")
        + "`` on SQLite and a folder (the embedded default) with",
        f"``CHEESESHOP_CDN_S_MAXAGE={meta['s_maxage']}``, ``CHEESESHOP_PURGE=varnish`` and",
        "``CHEESESHOP_PURGE_URL`` naming the Varnish; ``varnishd -F -j none -a",
        f"127.0.0.1:PORT -f cheeseshop.vcl -s {meta['varnish_storage']}`` in front of it, the",
        "VCL as shipped but for the backend's port.  Both on this machine, bound to",
        f"127.0.0.1.  Varnish starts as soon as cheeseshop answers; then a corpus of {meta['projects']}",
        f"projects x {meta['releases']} releases, one small wheel per release ({meta['files']} files), is",
        f"uploaded through ``/legacy/`` with {meta['upload_threads']} client threads (each upload bans its",
        "project's key and ``index``).",
        "",
        f"Reads: ``wrk -c{meta['connections']} -t{meta['wrk_threads']} -d{meta['duration']:g}s --latency`` "
        f"after a {meta['warmup']:g}s warm-up, cycling over",
        "every project's page (HTML, PEP 691 JSON, the JSON API) or every file",
        "linked from the simple pages, or ``/simple/``; through Varnish and directly.",
        f"{meta['rounds']} rounds; in each, both are measured back to back for one read before the",
        "next (their order rotating between rounds).  Cells show the median",
        "requests/s and 99th percentile latency over the rounds.  The hit ratio is",
        "``cache_hit / (cache_hit + cache_miss + cache_hitpass)`` of the deltas of",
        "``varnishstat -1 -j`` around each measured run (warm-ups excluded), summed",
        'over the rounds; "backend req per 1000" is ``backend_req`` per 1,000',
        "``client_req``: the requests that reached cheeseshop.  CPU per request is",
        "the process tree's CPU time over the wrk run (its threads' ``schedstat``)",
        "divided by the requests wrk completed: cheeseshop's when read directly,",
        "varnishd's and cheeseshop's when read through Varnish.",
        "",
        "Mixed run: for each page read, wrk through Varnish for",
        f"{meta['churn_duration']:g}s while one client uploads a new release (``2.N.0``) of one of",
        f"{meta['churn_projects']} projects in turn, every {meta['churn_interval']:g}s, straight to cheeseshop.  Right after",
        "each upload's 200, the project's PEP 691 page is read through Varnish (and",
        "the page the row reads, for the HTML page and the JSON API) and must list",
        'the new release.  "checks: MISS" counts those reads Varnish did not answer',
        "from its cache: after a ban, wrk's own reads often fetch the project's",
        "page again before the check does.  The hit ratio of the mixed run counts",
        "the checks too.",
        "",
        "Results",
        "-------",
        "",
        "Reads through Varnish against direct",
        "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "",
        rst_table(*reads_table(results)),
        "",
    ]
    head, rows = churn_table(results)
    if rows:
        lines += [
            "Reads through Varnish while uploads purge",
            "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
            "",
            rst_table(head, rows),
            "",
        ]
    ns = notes(results)
    if ns:
        lines += ["Notes:", ""] + [f"* {n}" for n in ns] + [""]
    lines += [
        "Reading the figures",
        "-------------------",
        "",
        *READING,
        "",
        "Setup",
        "-----",
        "",
        "* **cheeseshop**: " + ", ".join(f"{k} {x}" for k, x in versions.items() if k != "varnish"),
        f"* **Varnish**: {versions.get('varnish', '?')} (Debian's package)",
        "",
    ]
    lines += machine_section(meta)
    loads = read_loads(results)
    if loads:
        lines.append(
            f"* Load average (1 minute) after each wrk run: {min(loads):.1f} to {max(loads):.1f}"
        )
    lines.append("")
    return "\n".join(lines)


def _noise(results) -> list[str]:
    """A paragraph on how busy the machine was, when it was busier than its
    CPUs, with ``--docs-note`` (what else was running) if given."""
    meta = results["_meta"]
    loads = read_loads(results)
    nproc = meta["machine"]["nproc"] or 1
    if not loads or max(loads) <= nproc:
        return [meta["docs_note"], ""] if meta.get("docs_note") else []
    spread = 0.0
    for res in results["reads"].values():
        for ep in res.get("endpoints", {}).values():
            for w in ep.get("rounds", ()):
                spread = max(spread, abs(w["rps"] / ep["rps"] - 1))
    text = (
        f"The machine was busy: a 1-minute load average of {min(loads):.0f} to "
        f"{max(loads):.0f} on {nproc} CPUs during the reads"
        + (f" ({meta['docs_note']})" if meta.get("docs_note") else "")
        + f", and a row's rounds differ from its median by up to {spread * 100:.0f}%. "
        "The absolute requests/s are low and noisy; the ratios of reads measured back "
        "to back, the hit ratios and the CPU time per request hold better."
    )
    return textwrap.wrap(text, 78) + [""]


def write_docs(path: Path, results: dict, command: str) -> None:
    path.write_text(page(results, command))


# What the figures show: it says what the code and the VCL do, so it holds
# for any run; one run's numbers are in the verdicts and tables.
READING = [
    "* **Through Varnish.**  Once a page or a file is in Varnish's cache,",
    "  cheeseshop does not see the request: the hit ratio is ~100% and",
    "  cheeseshop's CPU per request through Varnish is about nothing.  A hit costs",
    "  varnishd a few hundredths of a millisecond of CPU against about a",
    "  millisecond for cheeseshop to answer the same read (waitress, Pyramid, an",
    "  indexed query, the page from its cache).  On this machine wrk, Varnish and",
    "  cheeseshop share two cores, so the requests/s through Varnish are bounded",
    "  by wrk itself as much as by Varnish: the ratio is a floor.",
    "* **Purges.**  Every upload bans its project's key and ``index`` (the",
    "  ``/simple/`` list and the feeds) after its commit, before its 200 is sent,",
    "  so the next read through Varnish is a miss that fetches the new page:",
    "  every check right after an upload saw the new release.  A ban costs one",
    "  request to Varnish per commit; the VCL bans on ``obj.*`` only, so the ban",
    "  lurker drops the matching objects in the background.",
    "* **Under churn.**  A project page is banned only when its own project",
    "  changes, so with uploads spread over a few projects the project pages'",
    "  hit ratio stays near 100%: a ban costs one backend fetch per variant read",
    "  (HTML, JSON).  ``/simple/`` carries ``index`` and is banned by every",
    "  upload, so each upload costs one backend fetch of it; at these read rates",
    "  that is a few misses in ten thousand reads, and it grows with the rate of",
    "  uploads, not with the number of projects.",
]

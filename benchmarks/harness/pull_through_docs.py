"""``docs/benchmarks-pull-through.rst``: the command, the workload, the
tables of ``pull_through_report``, the verdicts, a reading of the figures
and the machine."""

from __future__ import annotations

from pathlib import Path

from .docs_page import machine_section, read_loads, rst_table
from .pull_through_report import (
    big_table,
    cold_table,
    notes,
    reads_table,
    revalidation_table,
    verdicts,
)


def page(results: dict, command: str) -> str:
    meta = results["_meta"]
    serve_args = meta.get("cheeseshop_serve_args") or ""
    title = "Benchmarks: the pull-through cache"
    lines = [
        title,
        "=" * len(title),
        "",
        "Are an upstream project's page and files, once cached by the pull-through",
        "cache (``cheeseshop.upstream``, see :doc:`pypi-cache`), served at the speed of",
        "a local project's?  What do a first download through the cache and a page",
        "revalidation cost?  Measured by ``benchmarks/pull_through.py`` (see",
        "``benchmarks/README.md``).  The machine is small and shared, so absolute",
        "numbers are noisy: read the ratios.",
        "",
        f"Run on {meta['date']} ({meta.get('minutes', 0):.0f} minutes).",
        "",
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
        "Three ``cheeseshop serve`` processes on this machine, each on SQLite and a",
        "folder (the embedded default), bound to 127.0.0.1:",
        "",
        f"* **upstream** holds a corpus of {meta['projects']} projects x {meta['releases']} "
        f"releases, one small wheel per release (``cheesebench-NNNN``, {meta['files']} files),",
        "  uploaded through ``/legacy/``.",
        "* **cache** has ``cheeseshop.upstream`` set to the upstream's ``/simple/`` (ttl",
        "  300 s, the default) and hosts a corpus of the same shape under other names",
        "  (``cheeselocal-NNNN``: the same wheels' sizes, names of the same length), so",
        "  it serves local projects and upstream projects alike.",
        "* **cache-ttl0** is a second ``cheeseshop serve`` on the cache's data folder",
        "  with ``cheeseshop.upstream.ttl = 0``: every page read of an upstream project",
        "  revalidates it with a conditional GET to the upstream (answered 304) and",
        "  records the check.",
        "",
        "First, one request at a time on fresh connections, each upstream project's",
        "page is read from the upstream directly, then through the cache (the cache",
        "fetches it), then again (cached); each of its files likewise (the cache",
        "fetches it, checks its sha256 and stores it in its folder while streaming",
        "it).  The client's time and the CPU time each request cost the cache and",
        "the upstream (their threads' ``schedstat``) are kept.  Every download is",
        "checked against the corpus's sha256.",
        "",
        f"Then ``wrk -c{meta['connections']} -t{meta['wrk_threads']} -d{meta['duration']:g}s "
        f"--latency`` after a {meta['warmup']:g}s warm-up, cycling over every",
        "project's page (HTML, and PEP 691 JSON) or every file linked from the",
        "pages: local projects, cached upstream projects (files under ``/cache/``),",
        f"and the ttl-0 twin's pages.  {meta['rounds']} rounds; in each, the three are measured",
        "back to back for one read before the next (their order rotating between",
        "rounds), so that changes in the machine's load hit them alike.  Cells show",
        "the median requests/s and 99th percentile latency over the rounds; the",
        "server's CPU time per request is its CPU time over the wrk run divided by",
        "the requests wrk completed (median over the rounds), far less disturbed by",
        "other load than requests/s.",
    ]
    if meta.get("big_mb"):
        lines += [
            "",
            f"Last, a {meta['big_mb']} MiB wheel of random bytes on the upstream and another",
            "as a local project of the cache: its first download through the cache",
            "against a first download from the upstream directly, then downloads of",
            "each kind (direct, cached, local) interleaved; the cache's RSS sampled",
            "every 20 ms.",
        ]
    lines += ["", "Results", "-------", "", "Cached against local", "~~~~~~~~~~~~~~~~~~~~", ""]
    lines += [rst_table(*reads_table(results)), ""]
    lines += [
        "Page revalidation",
        "~~~~~~~~~~~~~~~~~",
        "",
        "The same upstream projects' pages from the cache (ttl 300: kept, no",
        "upstream request) and from its ttl-0 twin (a conditional GET to the",
        "upstream on every read); CPU per request of the cache and of the upstream,",
        "ttl 300 / ttl 0:",
        "",
        rst_table(*revalidation_table(results)),
        "",
        "First reads, one request at a time",
        "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~",
        "",
        rst_table(*cold_table(results)),
        "",
    ]
    head, rows = big_table(results)
    if rows:
        lines += ["Large file", "~~~~~~~~~~", "", rst_table(head, rows), ""]
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
        "* **cheeseshop**: "
        + ", ".join(f"{k} {x}" for k, x in results.get("versions", {}).items()),
        "",
        "Each runs ``cheeseshop --data DIR serve --host 127.0.0.1 --port PORT"
        + (f" {serve_args}" if serve_args else "")
        + "``"
        + ("" if serve_args else " (one worker process, 8 threads: its defaults)")
        + ", with its defaults otherwise (access log on); the cache and its twin with",
        "``CHEESESHOP_UPSTREAM=http://127.0.0.1:PORT/simple/`` and",
        "``CHEESESHOP_UPSTREAM_TTL``.",
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


def write_docs(path: Path, results: dict, command: str) -> None:
    path.write_text(page(results, command))


# What the figures show, from the runs and from profiling them: it says what
# the code does, so it holds for any run; one run's numbers are in the
# verdicts.
READING = [
    "* **Downloads.**  A cached file is served as a local one is: one indexed",
    "  query (``upstream_objects`` by sha256 and name, where a local file's is",
    "  the files table), then the same streamed response from storage: small",
    "  files at the local project's speed, give or take the noise, and the",
    "  large file close to it (a few downloads of it, so a noisy figure).",
    "* **Pages.**  The rendered page comes from the worker's page cache in both",
    "  cases, but a cached upstream page costs two indexed queries more than a",
    "  local one.  Both look the name up among the local projects (for an",
    "  upstream project, a miss); then an upstream project's is looked up among",
    "  the blocked names, and the view reads its kept page's row (revision,",
    "  time of the last check) to know whether it is fresh.  Each query",
    "  costs about 0.1-0.2 ms of CPU on SQLite; against a local page's whole",
    "  cost of about 1 ms (waitress, Pyramid, one query) that is what the",
    "  cached/local ratio of the page rows shows.  (cProfile, in-process: about",
    "  0.5 ms a local page, 0.9 ms a cached one; without the two queries, the",
    "  same.)",
    "* **Revalidation.**  With ``cheeseshop.upstream.ttl = 0`` every page read",
    "  asks the upstream (a conditional GET, answered 304, which costs the",
    "  upstream about what serving the page would) and records the check in a",
    "  write transaction, which SQLite serialises: a few times slower and a",
    "  much longer tail.  With the default ttl (300 s) a project's page is",
    "  revalidated at most once per ttl, whatever the number of reads.",
    "* **First reads.**  The first download of a file through the cache is",
    "  stored the way an upload is: written to a temporary file while hashed",
    "  (sha256 against the upstream's page, blake2b for its storage key), then",
    "  stored under its content address (directories made, ``fsync``), with a",
    "  write transaction to claim the fetch and one to record it stored; the",
    "  client receives the bytes meanwhile, the last block once the file is",
    "  verified and stored.  That is a few milliseconds per file, once: the",
    "  ``fsync`` and the directories take most of it.  A first page read adds",
    "  the upstream's answer, parsing it and storing it.",
    "* **Large file.**  Its first download through the cache runs at the speed",
    "  of hashing, spooling and storing a copy (every byte is written twice,",
    "  to the temporary file and into storage) rather than of the network; the",
    "  cache's memory stays flat (the growth is that of any download).  Later",
    "  downloads are local ones.",
]

"""``ceiling.py``'s docs page (``docs/benchmarks-ceiling.rst``): the ceiling
section of compare.py's run of cheeseshop alone, with what a cached page
does that the ceiling does not."""

from __future__ import annotations

from pathlib import Path

from .ceiling_report import HEAD, MEMORY_HEAD, memory_rows, rows, summary, verdicts
from .docs_page import machine_section, rst_table, workload_lines


def write_docs(path: Path, results: dict, command: str) -> None:
    """``ceiling.py``'s page: the same tables as compare.py's ceiling
    section, with what a cached page does that the ceiling does not."""
    meta = results["_meta"]
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
        "The two ran side by side on the same Python and packages, and wrk measured",
        "them in interleaved rounds, so that a change in the machine's load hits",
        "both alike.  ``benchmarks/compare.py`` measures the same ceiling beside",
        "devpi-server and pypiserver (:doc:`benchmarks`); this page is that run",
        "with cheeseshop alone.",
        "",
        "Command::",
        "",
        f"    {command}",
        "",
        f"Run on {meta['date']}, {meta.get('minutes', 0):.1f} minutes.",
        "",
        *workload_lines(results),
        "",
        "Requests",
        "--------",
        "",
        summary(results),
        "*of the ceiling*: the row's requests/s against the ceiling's.  *CPU:",
        "ceiling's / this*: the ceiling's server CPU time per request against the",
        "row's, the same ratio in the figure the machine's load disturbs least.",
        "",
        rst_table(HEAD, rows(results)),
        "",
        "Memory",
        "------",
        "",
        "From ``/proc``, summed over each server's processes: VmRSS after start",
        "(cheeseshop is started afresh on its data after the uploads), before any",
        "request; VmHWM, the peak, reset when the reads started; VmRSS when they",
        "ended.",
        "",
        rst_table(MEMORY_HEAD, memory_rows(results)),
        "",
        "Targets",
        "-------",
        "",
        *[f"* {v}" for v in verdicts(results)],
        "",
        "What a cached page does that the ceiling does not",
        "-------------------------------------------------",
        "",
        "A repeated anonymous read is answered by ``cheeseshop.api.replay``",
        "before Pyramid sees it: the status, headers and body the views sent the",
        "first time, kept in the page cache's budget, sent again once one indexed",
        "query (the project's id and last serial, run straight on a driver",
        "connection of the server thread's own) says the page is unchanged.  On",
        "SQLite that query is asked only after the database committed something",
        "since it last held (``cheeseshop.db.change_mark`` reads the header of",
        "SQLite's wal-index from a mapping of its ``-shm`` file); on these reads",
        "nothing commits, so a replay asks nothing.  No process-local state",
        "decides what is sent, so any worker may answer after another took an",
        "upload.  Beyond the ceiling's work it still: builds the key from the",
        "request's headers, compares the wal-index header, and writes the access",
        "log line (in batches, ``cheeseshop.log_output``); Pyramid's router,",
        "traversal, security, view lookup and header building are what it skips.",
        "",
        *machine_section(meta),
        "",
    ]
    path.write_text("\n".join(lines))

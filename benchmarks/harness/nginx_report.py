"""``nginx_downloads.py``'s tables (printed, and in
``docs/benchmarks-nginx.rst``): downloads handed to nginx against downloads
through the application, behind the same nginx."""

from __future__ import annotations

import os
from pathlib import Path

from .docs_page import machine_section, rst_table

ROWS = {"small": "small wheel", "big": "large file"}
MODES = ("accel", "app")


def _ep(results, mode, key) -> dict:
    return results["reads"].get(mode, {}).get("endpoints", {}).get(key, {})


def _fmt(value, spec=".1f") -> str:
    return "n/a" if value is None else format(value, spec)


def _ratio(a, b) -> str:
    return f"{a / b:.1f}x" if a and b else "n/a"


def throughput_rows(results) -> list[list[str]]:
    rows = []
    for key, label in ROWS.items():
        accel, app = _ep(results, "accel", key), _ep(results, "app", key)
        flagged = any(e.get("non2xx") or e.get("socket_errors") for e in (accel, app))
        rows.append(
            [
                label + (" (!)" if flagged else ""),
                _fmt(accel.get("rps")),
                _fmt(app.get("rps")),
                _ratio(accel.get("rps"), app.get("rps")),
                _fmt(accel.get("mib_per_s")),
                _fmt(app.get("mib_per_s")),
                _fmt(accel.get("p99_ms"), ".2f"),
                _fmt(app.get("p99_ms"), ".2f"),
            ]
        )
    return rows


THROUGHPUT_HEAD = [
    "download",
    "req/s X-Accel",
    "req/s app",
    "ratio",
    "MiB/s X-Accel",
    "MiB/s app",
    "p99 ms X-Accel",
    "p99 ms app",
]


def cpu_rows(results) -> list[list[str]]:
    rows = []
    for key, label in ROWS.items():
        accel, app = _ep(results, "accel", key), _ep(results, "app", key)
        rows.append(
            [
                label,
                _fmt(accel.get("cpu_ms_per_request"), ".3f"),
                _fmt(app.get("cpu_ms_per_request"), ".3f"),
                _fmt(accel.get("other_cpu_ms_per_request"), ".3f"),
                _fmt(app.get("other_cpu_ms_per_request"), ".3f"),
            ]
        )
    return rows


CPU_HEAD = ["download", "cheeseshop X-Accel", "cheeseshop app", "nginx X-Accel", "nginx app"]


def _text_table(head, rows) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    return "\n".join(
        "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))
        )
        for r in [head, *rows]
    )


def print_report(results) -> None:
    print()
    print("Downloads through nginx: requests/s, MiB/s and p99 (median of the rounds)")
    print(_text_table(THROUGHPUT_HEAD, throughput_rows(results)))
    print()
    print("CPU time per request, ms (cheeseshop's process tree; nginx's process)")
    print(_text_table(CPU_HEAD, cpu_rows(results)))
    for mode in MODES:
        error = results["reads"].get(mode, {}).get("error")
        if error:
            print(f"{mode}: ERROR: {error}")


def _loads(results) -> list[float]:
    return [
        w["loadavg"][0]
        for mode in results["reads"].values()
        for ep in mode.get("endpoints", {}).values()
        for w in ep.get("rounds", ())
        if w.get("loadavg")
    ]


def _noise(results, loads) -> str:
    """How much the rounds of one row differed, and the load: what the
    absolute figures are worth on this run."""
    spreads = []
    for mode in results["reads"].values():
        for ep in mode.get("endpoints", {}).values():
            rps = [w["rps"] for w in ep.get("rounds", ()) if w.get("rps")]
            if len(rps) > 1:
                spreads.append((max(rps) - min(rps)) / ep["rps"])
    text = "absolute figures move between runs; compare the ratios and the CPU time per request."
    if loads:
        text += f" The load average was {min(loads):.1f}-{max(loads):.1f} during the reads"
        if spreads:
            text += (
                f", and the rounds of one row differed by up to {max(spreads):.0%} of its median"
            )
        text += "."
        if max(loads) > (os.cpu_count() or 1):
            text += (
                " More work than cores: other jobs ran at the same time"
                ", so these figures are noisy."
            )
    return text


def page(results) -> str:
    meta = results["_meta"]
    sizes = results["sizes"]
    versions = meta.get("versions", {})
    loads = _loads(results)
    title = "Benchmarks: downloads through nginx"
    lines = [
        title,
        "=" * len(title),
        "",
        "Downloads handed to nginx by ``X-Accel-Redirect``",
        "(``cheeseshop.storage.accel_redirect``, see :ref:`files-through-nginx`)",
        "against the same downloads sent by the application and proxied by nginx,",
        "with the same nginx configuration (the block of the deployment guide) in",
        "front of both. Written by ``benchmarks/nginx_downloads.py``; command:",
        "",
        ".. code-block:: console",
        "",
        f"   $ {meta['command']}",
        "",
        "The workload",
        "------------",
        "",
        f"* One index (SQLite and a folder) loaded with {meta['projects']} small wheels",
        f"  (mean {sizes['small_mean_bytes'] / 1024:.1f} KiB) and one large wheel of",
        f"  {sizes['big_bytes'] / 2**20:.0f} MiB of random bytes.",
        "* Two ``cheeseshop serve`` on that data, one with",
        "  ``cheeseshop.storage.accel_redirect = /_stored/`` (**X-Accel**), one",
        "  without (**app**), each behind its own nginx (one process,",
        "  ``master_process off``) with the guide's block.",
        f"* ``wrk -c{meta['connections']} -t{meta['wrk_threads']} -d{meta['duration']:g}s`` through",
        f"  nginx after a {meta['warmup']:g} s warm-up: *small wheel* cycles over every small",
        "  wheel's URL, *large file* fetches the large one. X-Accel and app are",
        f"  measured back to back, {meta['rounds']} rounds; a figure is the median.",
        "* CPU time: the cheeseshop's process tree and nginx's process, from",
        "  ``/proc``, over each measured run, divided by the requests.",
        "",
        "Figures",
        "-------",
        "",
        rst_table(THROUGHPUT_HEAD, throughput_rows(results)),
        "",
        "CPU time per request (milliseconds):",
        "",
        rst_table(CPU_HEAD, cpu_rows(results)),
        "",
        "Reading the figures",
        "-------------------",
        "",
        "* With X-Accel-Redirect the application's part of a download does not",
        "  depend on the file's size (the file's row, the checks, an empty",
        "  answer). Its CPU time per request on the large file is higher only",
        "  because the server's idle work is spread over far fewer requests.",
        "  nginx sends the bytes with ``sendfile``.",
        "* Through the application, Python reads every byte and writes it to",
        "  nginx, which buffers it (in temporary files beyond its proxy buffers)",
        "  and sends it on: cheeseshop's CPU time per request grows with the",
        "  file, and so does nginx's.",
        "* A small wheel costs the application mostly the request itself",
        "  (routing, the file's row, the checks), the same either way, so the",
        "  gain there is small. The hand-over counts for large files.",
        "* The machine is shared (2 cores; wrk, nginx and cheeseshop on the",
        "  same ones, and other work): " + _noise(results, loads),
        "",
        *machine_section(meta),
        f"* nginx: {versions.get('nginx', '?')}",
        "* Packages: " + ", ".join(f"{k} {v}" for k, v in versions.items() if k != "nginx"),
        f"* Date: {meta['date']}",
        "",
    ]
    return "\n".join(lines)


def write_docs(path: Path, results) -> None:
    path.write_text(page(results))

"""The docs page (``docs/benchmarks.rst`` by default): the command, the
workload, the table as an rST simple table, notes, the large upload, each
server's set-up and the machine."""

from __future__ import annotations

from pathlib import Path

from .report import TARGET_VS_DEVPI, big_summary, target_line
from .servers import ORDER


def rst_table(head, rows) -> str:
    # rST simple table; the first column of a row must not be empty or start
    # with spaces, so sub-rows ("  during upload") get a "- " marker instead.
    rows = [["- " + r[0].strip() if r[0].startswith("  ") else r[0]] + r[1:] for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    rule = " ".join("=" * w for w in widths)
    line = lambda cells: " ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([rule, line(head), rule] + [line(r) for r in rows] + [rule])


def machine_section(meta) -> list[str]:
    """The "Machine" section of an entry point's page (``cheeseshop_install``
    says which cheeseshop was measured)."""
    m = meta["machine"]
    return [
        "Machine",
        "-------",
        "",
        f"* CPUs (nproc): {m['nproc']} ({m['cpu']})",
        f"* Memory: {m['memory']}",
        f"* Kernel: Linux {m['kernel']}",
        f"* Python: {m['python']}",
        f"* wrk: {m['wrk']}",
        f"* cheeseshop source: git {m.get('cheeseshop_rev', '?')} "
        + (
            "(the cheeseshop installed for the benchmark's Python: the checkout it imports)"
            if meta.get("cheeseshop_install") == "current"
            else "(this checkout, installed into the harness's venv)"
        ),
        "* Load average when the run started: "
        + ", ".join(f"{x:.2f}" for x in m.get("loadavg_at_start", ())),
    ]


def read_loads(results) -> list[float]:
    """The 1-minute load average after each measured wrk run of ``results["reads"]``."""
    return [
        w["loadavg"][0]
        for res in results["reads"].values()
        for ep in res.get("endpoints", {}).values()
        for w in ep.get("rounds", ())
        if w.get("loadavg")
    ]


def write_docs(path: Path, results: dict, head, rows, notes, command: str) -> None:
    meta = results["_meta"]
    m = meta["machine"]
    lines = [
        "Benchmarks",
        "==========",
        "",
        "cheeseshop compared with pypiserver and devpi-server, measured by",
        "``benchmarks/compare.py`` (see ``benchmarks/README.md``).  The three",
        "servers ran on the same machine, bound to 127.0.0.1, with their default",
        "settings unless noted below; they were loaded one at a time, then their",
        "reads were measured interleaved.  The machine is small and shared, so",
        "absolute numbers are noisy: read the ratios.",
        "",
        f"Run on {meta['date']}.",
        "",
        "Command",
        "-------",
        "",
        "::",
        "",
        f"    {command}",
        "",
        "Workload",
        "--------",
        "",
        f"* Corpus: {meta['projects']} projects x {meta['releases']} releases, one small "
        f"wheel per release ({meta['files']} files), uploaded with {meta['upload_threads']} "
        "client threads through each server's upload API (legacy multipart ``file_upload``).",
        f"* Reads: ``wrk -c{meta['connections']} -t{meta['wrk_threads']} "
        f"-d{meta['duration']:g}s --latency`` after a {meta['warmup']:g}s warm-up, "
        "with a Lua script cycling over many URLs: every project's page for the",
        "  per-project rows, every file linked from the simple pages for downloads.",
        f"  {meta['rounds']} rounds; in each, the servers are measured back to back for one",
        "  endpoint before the next (their order rotating between rounds), so that",
        "  changes in the machine's load hit all three alike.  Cells show the median",
        "  requests/s and the median 99th percentile latency over the rounds.",
        "* Peak RSS: ``VmHWM`` of the server process (and children, if any), reset",
        "  between the upload and read phases; the table shows the larger.",
        f"* Target: every cheeseshop read >= {TARGET_VS_DEVPI:g}x devpi's requests/s.",
        "",
        "Results",
        "-------",
        "",
        rst_table(head, rows),
        "",
        target_line(rows),
        "",
    ]
    if notes:
        lines += ["Notes:", ""] + [f"* {n}" for n in notes] + [""]
    bigs = big_summary(results)
    if bigs:
        lines += ["Large upload", "------------", ""] + [f"* {b}" for b in bigs] + [""]
    lines += [
        "Setup of each server",
        "--------------------",
        "",
    ]
    for s in ORDER:
        r = results.get(s)
        if not r:
            continue
        lines.append(
            f"* **{s}** ({', '.join(f'{k} {v}' for k, v in r.get('versions', {}).items())}): "
            f"uploads with {r.get('auth_note', '')}."
        )
    serve_args = meta.get("cheeseshop_serve_args") or ""
    lines += [
        "",
        "cheeseshop runs ``cheeseshop --data DIR serve --host 127.0.0.1 --port PORT"
        + (f" {serve_args}" if serve_args else "")
        + "``"
        + ("" if serve_args else " (one worker process, 8 threads: its defaults)")
        + ".",
        "pypiserver gets ``waitress`` installed so that bottle's ``auto`` server",
        "uses it instead of the single-threaded ``wsgiref``; it runs the",
        "``cached-dir`` backend (watchdog).  devpi-server runs with its defaults",
        "(``devpi-init --no-root-pypi``, one private volatile index, 50 threads,",
        "request logging on).",
        "",
        "Machine",
        "-------",
        "",
        f"* CPUs (nproc): {m['nproc']} ({m['cpu']})",
        f"* Memory: {m['memory']}",
        f"* Kernel: Linux {m['kernel']}",
        f"* Python: {m['python']}",
        f"* wrk: {m['wrk']}",
        f"* cheeseshop source: git {m.get('cheeseshop_rev', '?')}",
        "* Load average when the run started: "
        + ", ".join(f"{x:.2f}" for x in m.get("loadavg_at_start", ())),
        "",
    ]
    path.write_text("\n".join(lines))

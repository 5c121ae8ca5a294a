"""compare.py's docs page (``docs/benchmarks.rst`` by default): the command,
the workload, the tables as rST simple tables, the verdicts, notes, the
large upload, each server's set-up and the machine; and the pieces other
entry points' pages share (``rst_table``, ``machine_section``,
``read_loads``, ``workload_lines``)."""

from __future__ import annotations

from pathlib import Path

from . import ceiling_report
from .report import TARGET_VS_DEVPI, big_summary, build_table, cpu_table, verdicts
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


def workload_lines(results) -> list[str]:
    """The corpus, wrk's load and rounds, and how busy the machine was."""
    meta = results["_meta"]
    loads = [
        w["loadavg"][0]
        for res in results.values()
        if isinstance(res, dict)
        for ep in res.get("endpoints", {}).values()
        for w in ep.get("rounds", ())
        if w.get("loadavg")
    ]
    busy = (
        f"  The 1-minute load average after the wrk runs went from {min(loads):.1f} "
        f"to {max(loads):.1f} on {meta['machine']['nproc']} CPUs."
        if loads
        else ""
    )
    return [
        f"* Corpus: {meta['projects']} projects x {meta['releases']} releases, one small "
        f"wheel per release ({meta['files']} files), uploaded with {meta['upload_threads']} "
        "client threads through each server's upload API (legacy multipart ``file_upload``);",
        "  each server is then started afresh on its data, so that its memory is that of",
        "  a server that serves reads.",
        f"* Reads: ``wrk -c{meta['connections']} -t{meta['wrk_threads']} "
        f"-d{meta['duration']:g}s --latency`` after a {meta['warmup']:g}s warm-up, "
        "with a Lua script cycling over many URLs: every project's page for the",
        "  per-project rows, every file linked from the simple pages for downloads.",
        f"  {meta['rounds']} rounds; in each, the servers are measured back to back for one",
        "  row before the next (their order rotating between rounds), so that",
        "  changes in the machine's load hit them alike.  Cells show the median",
        "  over the rounds.",
        "* Server CPU time per request: the CPU time of the server's processes over",
        "  a measured wrk run (``/proc/<pid>/task/*/schedstat``) divided by the",
        "  requests wrk completed: the figure the machine's load disturbs least." + busy,
    ]


def targets(results) -> list[str]:
    """The targets this run has the servers for."""
    out = [f"every cheeseshop read >= {TARGET_VS_DEVPI:g}x devpi's requests/s"]
    out = out if "devpi" in results else []
    if "ceiling" in results:
        out.append(f"a cached project page >= {ceiling_report.TARGET_RATIO:.0%} of the ceiling's")
    return out + [f"a worker's peak RSS during the reads <= {ceiling_report.TARGET_RSS_MB} MB"]


INTRO = [
    "cheeseshop compared with pypiserver and devpi-server, and with the stack's",
    "ceiling, measured by one command, ``benchmarks/compare.py`` (see",
    "``benchmarks/README.md``).  The servers ran on the same machine, bound to",
    "127.0.0.1, with their default settings unless noted below, cheeseshop with",
    "one worker process; they were loaded one at a time, then their reads were",
    "measured interleaved, with the ceiling measured in the same rounds.  The",
    "machine is small and shared, so absolute numbers are noisy: read the ratios",
    "and the CPU time per request.",
]


def write_docs(path: Path, results: dict, command: str, *, title="Benchmarks", intro=INTRO) -> None:
    meta = results["_meta"]
    head, rows, notes = build_table(results)
    lines = [
        title,
        "=" * len(title),
        "",
        *intro,
        "",
        f"Run on {meta['date']}, {meta.get('minutes', 0):.0f} minutes.",
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
        *workload_lines(results),
        "* Peak RSS: ``VmHWM`` of the server process (and children, if any), reset",
        "  when the reads start; the table shows the larger of the upload and the",
        "  read phases'.",
        "* Targets: " + "; ".join(targets(results)) + ".",
        "",
        "Results",
        "-------",
        "",
        rst_table(head, rows),
        "",
        *[f"* {v}" for v in verdicts(rows, results)],
        "",
        "Server CPU time per request",
        "---------------------------",
        "",
        "Milliseconds, the median over the rounds; *devpi/cs*: how many times",
        "cheeseshop's CPU time devpi spends on the same request.",
        "",
        rst_table(*cpu_table(results)),
        "",
    ]
    if "ceiling" in results:
        lines += [
            "Against the stack's ceiling",
            "---------------------------",
            "",
            ceiling_report.summary(results),
            "See :doc:`benchmarks-ceiling` for what a cached page does that it does not.",
            "",
            rst_table(ceiling_report.HEAD, ceiling_report.rows(results)),
            "",
            rst_table(ceiling_report.MEMORY_HEAD, ceiling_report.memory_rows(results)),
            "",
        ]
    if notes:
        lines += ["Notes:", ""] + [f"* {n}" for n in notes] + [""]
    bigs = big_summary(results)
    if bigs:
        lines += ["Large upload", "------------", ""] + [f"* {b}" for b in bigs] + [""]
    lines += ["Setup of each server", "--------------------", ""]
    for s in ORDER:
        r = results.get(s)
        if not r:
            continue
        lines.append(
            f"* **{s}** ({', '.join(f'{k} {v}' for k, v in r.get('versions', {}).items())}): "
            f"uploads with {r.get('auth_note', '')}."
        )
    lines += [
        "",
        "cheeseshop runs ``cheeseshop --data DIR serve --host 127.0.0.1 --port PORT "
        f"{meta.get('cheeseshop_serve_args', '')}`` (8 threads a worker).",
        "pypiserver gets ``waitress`` installed so that bottle's ``auto`` server",
        "uses it instead of the single-threaded ``wsgiref``; it runs the",
        "``cached-dir`` backend (watchdog).  devpi-server runs with its defaults",
        "(``devpi-init --no-root-pypi``, one private volatile index, 50 threads,",
        "request logging on).",
        "",
        *machine_section(meta),
        "",
    ]
    path.write_text("\n".join(lines))

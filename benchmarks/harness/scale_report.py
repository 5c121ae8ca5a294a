"""``docs/benchmarks-scale.rst``: the 1k vs 100k table of
``benchmarks/scale.py``, the root list at each size and how the fills went."""

from __future__ import annotations

import shlex
from pathlib import Path

ROW_LABELS = {
    "simple_html": "/simple/<p>/ HTML",
    "simple_json": "/simple/<p>/ JSON",
    "project_json": "/pypi/<p>/json",
    "project_web": "/project/<p>/ (web page)",
    "download": "file download",
    "upload": "upload (/legacy/, one at a time)",
}


def _table(header, rows) -> list[str]:
    cells = [header] + rows
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    rule = " ".join("=" * w for w in widths)
    out = [rule, " ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)), rule]
    out += [" ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return out + [rule, ""]


def ratio_rows(results: dict, small: str, large: str) -> list[list[str]]:
    rows = []
    for key, label in ROW_LABELS.items():
        a = results[small]["endpoints"].get(key, {})
        b = results[large]["endpoints"].get(key, {})
        if "rps" not in a or "rps" not in b:
            rows.append([label, "n/a", "n/a", "n/a", "", "", ""])
            continue
        ratio = b["rps"] / a["rps"]
        cpu = [
            f"{x['cpu_ms_per_request']:.2f}" if "cpu_ms_per_request" in x else "-" for x in (a, b)
        ]
        if "cpu_ms_per_request" in a and "cpu_ms_per_request" in b:
            cpu.append(f"{b['cpu_ms_per_request'] / a['cpu_ms_per_request']:.2f}")
        else:
            cpu.append("-")
        rows.append(
            [
                f"``{label}``" if label.startswith("/") else label,
                f"{a['rps']:.1f}",
                f"{b['rps']:.1f}",
                f"{ratio:.2f}" + ("" if ratio >= 0.8 else " (!)"),
                *cpu,
            ]
        )
    return rows


def write_scale_docs(path: Path, results: dict, names: list[str], args) -> None:
    small, large = names
    meta, fills = results["_meta"], results["fills"]
    m = meta["machine"]
    lines = [
        "Benchmarks: cost at scale",
        "=========================",
        "",
        f"The same reads and uploads on an index of {fills[small]['projects']:,} projects and on",
        f"one of {fills[large]['projects']:,}, measured by ``benchmarks/scale.py`` (see",
        "``benchmarks/README.md``) in one run, the two servers interleaved round by round.",
        "The aim: every row at the large size within 20% of its rate at the small one",
        "(a ratio of 0.8 or more), and the root list streamed with bounded memory.",
        "",
        f"Run on {meta['date']}, cheeseshop {m['cheeseshop_rev']}, {m['nproc']} CPUs",
        f"({m['cpu']}), {m['memory']}, Python {m['python']}, {m['wrk'].split(' Copyright')[0]};",
        "the machine is shared (load average "
        + " / ".join(f"{x:.1f}" for x in m["loadavg_at_start"])
        + " at the start),",
        "so absolute figures are noisy: read the ratios, and the CPU time per request.",
        "",
        "::",
        "",
        "    python3 benchmarks/scale.py " + shlex.join(meta["argv"]),
        "",
        "The indexes",
        "-----------",
        "",
        "SQLite + a folder, each filled by ``benchmarks/fill_corpus.py`` through cheeseshop's",
        "models and storage (bulk rows, bytes stored by ``IFileStorage.store``): small valid",
        "wheels (PEP 658 ``.metadata`` beside them) and sdists, realistic names, 1 to 2,000",
        f"versions per project (Pareto-skewed). Both hold the same {args.measured} measured",
        "projects (2 versions, a wheel and an sdist each): the rows read only those.",
        "",
    ]
    lines += _table(
        ["index", "projects", "releases", "files", "stored", "fill time", "files/s"],
        [
            [
                name,
                f"{f['projects']:,}",
                f"{f['releases']:,}",
                f"{f['files']:,}",
                f"{f['stored_mib']:.0f} MiB",
                f"{f['seconds']:.0f} s",
                f"{f['files_per_second']:,.0f}",
            ]
            for name, f in ((n, fills[n]) for n in names)
        ],
    )
    lines += [
        "Rate at each size",
        "-----------------",
        "",
        f"Reads: ``wrk -c{args.connections} -t{args.wrk_threads} -d{args.duration:g}s`` after a",
        f"{args.warmup:g} s warm-up, the median of {args.rounds} rounds, against"
        " ``cheeseshop serve --workers 1``;",
        f"uploads: {args.uploads} new projects per index, one at a time. CPU: the server's",
        "CPU time per request (less disturbed by the shared machine than requests/s).",
        "",
    ]
    lines += _table(
        [
            "row",
            f"{small} req/s",
            f"{large} req/s",
            f"{large}/{small}",
            f"{small} CPU ms",
            f"{large} CPU ms",
            "CPU ratio",
        ],
        ratio_rows(results, small, large),
    )
    lines += [
        "The root list",
        "-------------",
        "",
        "``/simple/`` read whole in 64 KiB chunks, 3 times: the first GET after the",
        "server started (streamed from the database) and the median of the 3 (the",
        "page cache may keep the list once streamed), and the server's resident",
        "memory: before, and its peak while streaming.",
        "",
    ]
    lines += _table(
        [
            "index",
            "first byte, first GET",
            "whole, first GET",
            "first byte, median",
            "whole, median",
            "size",
            "RSS before",
            "peak RSS",
            "growth",
        ],
        [
            [
                name,
                f"{r.get('cold_first_byte_ms', float('nan')):.0f} ms",
                f"{r.get('cold_whole_s', float('nan')):.2f} s",
                f"{r['first_byte_ms']:.0f} ms",
                f"{r['whole_s']:.2f} s",
                f"{r['bytes'] / 2**20:.1f} MiB"
                if r["bytes"] >= 2**20
                else f"{r['bytes'] / 2**10:.0f} KiB",
                f"{r['rss_before_kb'] / 1024:.0f} MiB",
                f"{r['peak_rss_kb'] / 1024:.0f} MiB",
                f"{r['growth_kb'] / 1024:.0f} MiB",
            ]
            for name, r in ((n, results[n]["root"]) for n in names)
        ],
    )
    path.write_text("\n".join(lines))

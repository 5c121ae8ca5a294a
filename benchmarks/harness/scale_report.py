"""``docs/benchmarks-scale.rst``: the 1k vs 100k table of
``benchmarks/scale.py``, the root list at each size and how the fills went."""

from __future__ import annotations

import json
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
    out = [rule, _row(header, widths), rule]
    out += [_row(r, widths) for r in rows]
    return out + [rule, ""]


def _row(cells, widths) -> str:
    return " ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


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


BACKEND_ORDER = ("folder", "pg-s3")


def results_path(work: Path, backend: str) -> Path:
    return work / f"results-{backend}.json"


def write_scale_docs(path: Path, work: Path) -> None:
    """The page, with a section per backend whose results are in ``work``
    (each backend's latest run)."""
    runs = [
        json.loads(results_path(work, b).read_text())
        for b in BACKEND_ORDER
        if results_path(work, b).exists()
    ]
    lines = [
        "Benchmarks: cost at scale",
        "=========================",
        "",
        "The same reads and uploads on an index of 1,000 projects and on one of",
        "100,000 (500,000 files), measured by ``benchmarks/scale.py`` (see",
        "``benchmarks/README.md``) in one run, the two servers interleaved round by",
        "round, once on SQLite + a folder and once on PostgreSQL + S3. The aim:",
        "every row at the large size within 20% of its rate at the small one (a",
        "ratio of 0.8 or more), and the root list streamed with bounded memory.",
        "",
        "::",
        "",
        "    python3 -m venv --system-site-packages /tmp/venv && /tmp/venv/bin/pip install -e .",
    ]
    lines += [
        "    /tmp/venv/bin/python benchmarks/scale.py " + shlex.join(run["_meta"]["argv"])
        for run in runs
    ]
    lines += [
        "",
        "The indexes are filled by ``benchmarks/fill_corpus.py`` through cheeseshop's",
        "models (the rows an upload writes, in bulk) and the bytes at the keys",
        "``IFileStorage.store`` would use: small valid wheels (PEP 658 ``.metadata``",
        "beside them) and sdists, realistic names, 1 to 2,000 versions per project",
        "(Pareto-skewed). Both sizes hold the same measured projects (2 versions, a",
        "wheel and an sdist each): the read rows cycle over those only, so each row",
        "reads the same pages at both sizes, all of them in the page cache.",
        "",
    ]
    for run in runs:
        lines += _backend_section(run)
    path.write_text("\n".join(lines))


def _backend_section(results: dict) -> list[str]:
    meta, fills = results["_meta"], results["fills"]
    small, large = list(fills)
    names = [small, large]
    m, settings = meta["machine"], meta["settings"]
    title = meta["backend_label"]
    lines = [
        title,
        "-" * len(title),
        "",
        f"Run on {meta['date']}, cheeseshop {m['cheeseshop_rev']}, {m['nproc']} CPUs",
        f"({m['cpu']}), {m['memory']}, Python {m['python']}, {m['wrk'].split(' Copyright')[0]};",
        "the machine is shared (load average "
        + " / ".join(f"{x:.1f}" for x in m["loadavg_at_start"])
        + " at the start),",
        "so absolute figures are noisy: read the ratios, and the CPU time per request.",
        "",
    ]
    lines += FILL_NOTES.get(meta["backend"], [])
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
        f"Reads: ``wrk -c{settings['connections']} -t{settings['wrk_threads']}"
        f" -d{settings['duration']:g}s`` after a {settings['warmup']:g} s warm-up,",
        f"the median of {settings['rounds']} rounds, against ``cheeseshop serve --workers 1``;",
        f"uploads: {settings['uploads']} new projects per index through ``/legacy/``, one at",
        "a time, the sizes taking turns each round. CPU: the server's CPU time per",
        "request (less disturbed by the shared machine than requests/s).",
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
        "``/simple/`` read whole in 64 KiB chunks, 3 times: the first GET after the",
        "server started (streamed from the database) and the median of the 3 (later",
        "ones come from the page cache), and the server's resident memory: before,",
        "and its peak while streaming.",
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
    if "cache_study" in results:
        lines += _cache_section(results["cache_study"], names)
    return lines


CACHE_SETS = {
    "measured": "measured pages (the rows')",
    "zipf": "Zipf stream, all projects",
    "all": "every project in turn",
}


def _cache_section(study: dict, names: list[str]) -> list[str]:
    lines = [
        "The page cache, ``/simple/<p>/`` HTML through the WSGI app in-process",
        "(``harness/scale_cache.py``, the default 64 MiB cache): the measured",
        "pages the rows read; a Zipf stream over every project of the index",
        "(weight 1/rank, a seeded ranking, 20,000 requests to warm and 20,000",
        "new draws measured), as a public index's reads go mostly to a few",
        "popular projects; and, with ``--cache-study all``, every project's",
        "page in turn, as a benchmark cycling over the whole index would.",
        "",
    ]
    rows = []
    for kind, label in CACHE_SETS.items():
        for name in names:
            f = study.get(name, {}).get(kind)
            if f:
                rows.append(
                    [
                        label,
                        name,
                        f"{f['distinct']:,}",
                        f"{f['hit_ratio']:.1%}",
                        f"{f['cache_mib']:.1f} MiB",
                        f"{f['cpu_us_per_request']:.0f}",
                    ]
                )
    return lines + _table(
        ["URLs", "index", "distinct pages", "hit ratio", "cache used", "CPU µs/request"], rows
    )


FILL_NOTES = {
    "folder": [
        "The bytes are written as files where ``FilesystemStorage.store`` puts them,",
        "one ``syncfs`` per 20,000 files before their rows commit instead of an fsync",
        "per file. Creating a file and its hash folder is the kernel's work, and the",
        "fill rate follows the shared machine's file system.",
        "",
    ],
    "pg-s3": [
        "moto's S3 server runs in the benchmark's process and serves cheeseshop over",
        "HTTP; the fill puts the objects straight into its bucket (the keys, bytes",
        "and content type ``S3Storage.store`` would send), since over HTTP moto and",
        "boto3 spend ~10 ms of CPU per object, over an hour for the large index on",
        "2 cores. The rows go to PostgreSQL by SQLAlchemy Core executemany.",
        "",
    ],
}

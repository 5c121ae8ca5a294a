"""The report of ``pull_through.py``: cached upstream projects against local
ones (requests/s, server CPU per request), revalidated pages, the first
reads through the cache against direct ones, the large file; as text and
for the docs page too (``pull_through_docs``)."""

from __future__ import annotations

from .pull_through_cold import COLD_ROWS
from .report import fmt_ratio, fmt_rps, ratio, text_table

TARGET = 0.8  # cached reads >= this x local reads' requests/s: "at the speed of local"

READ_LABELS = [
    ("simple_html", "/simple/<p>/ HTML"),
    ("simple_json", "/simple/<p>/ JSON"),
    ("download", "file download (small wheel)"),
]


def _ep(results, mode, key) -> dict | None:
    return (results["reads"].get(mode) or {}).get("endpoints", {}).get(key)


def _get(results, mode, key, field):
    ep = _ep(results, mode, key)
    return ep.get(field) if ep else None


def _cpu(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def _ms(x: float) -> str:
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def reads_table(results):
    head = [
        "read",
        "local: req/s (p99)",
        "cached: req/s (p99)",
        "cached/local",
        "CPU ms/req local",
        "CPU ms/req cached",
        "CPU local/cached",
    ]
    rows = []
    for key, label in READ_LABELS:
        lc, cc = (_get(results, m, key, "cpu_ms_per_request") for m in ("local", "cached"))
        rows.append(
            [
                label,
                fmt_rps(_ep(results, "local", key)),
                fmt_rps(_ep(results, "cached", key)),
                fmt_ratio(
                    ratio(_get(results, "cached", key, "rps"), _get(results, "local", key, "rps"))
                ),
                _cpu(lc),
                _cpu(cc),
                fmt_ratio(ratio(lc, cc)),
            ]
        )
    return head, rows


def revalidation_table(results):
    head = [
        "page read",
        "cached (ttl 300): req/s (p99)",
        "revalidated (ttl 0): req/s (p99)",
        "ttl 0/cached",
        "CPU ms/req: cache",
        "CPU ms/req: upstream",
    ]
    rows = []
    for key, label in READ_LABELS[:2]:
        rows.append(
            [
                label,
                fmt_rps(_ep(results, "cached", key)),
                fmt_rps(_ep(results, "revalidated", key)),
                fmt_ratio(
                    ratio(
                        _get(results, "revalidated", key, "rps"),
                        _get(results, "cached", key, "rps"),
                    )
                ),
                _cpu(_get(results, "cached", key, "cpu_ms_per_request"))
                + " / "
                + _cpu(_get(results, "revalidated", key, "cpu_ms_per_request")),
                _cpu(_get(results, "cached", key, "other_cpu_ms_per_request"))
                + " / "
                + _cpu(_get(results, "revalidated", key, "other_cpu_ms_per_request")),
            ]
        )
    return head, rows


def cold_table(results):
    cold = results.get("cold") or {}
    head = ["one request at a time", "n", "median ms", "CPU ms: cache", "CPU ms: upstream"]
    rows = []
    for key, label in COLD_ROWS:
        c = cold.get(key)
        if not c:
            continue
        rows.append(
            [
                label,
                str(c["n"]),
                _ms(c["median_ms"]),
                _ms(c["cache_cpu_ms"]),
                _ms(c["upstream_cpu_ms"]),
            ]
        )
    return head, rows


def big_table(results):
    big = results.get("big")
    head = ["large file", "seconds", "MiB/s"]
    if not big:
        return head, []
    rows = []
    for key, label in (
        ("direct_first_s", "first download from the upstream directly"),
        ("cold_s", "first download through the cache (fetched, verified, stored)"),
        ("direct_s", f"from the upstream directly (median of {big['repeats']})"),
        ("cached_s", f"cached (median of {big['repeats']})"),
        ("local_s", f"local project (median of {big['repeats']})"),
    ):
        rows.append([label, f"{big[key]:.2f}", f"{big['size_mb'] / big[key]:.0f}"])
    return head, rows


def verdicts(results) -> list[str]:
    out = []
    rs = {}
    cs = {}
    for key, label in READ_LABELS:
        r = ratio(_get(results, "cached", key, "rps"), _get(results, "local", key, "rps"))
        if r is not None:
            rs[label] = r
        c = ratio(
            _get(results, "local", key, "cpu_ms_per_request"),
            _get(results, "cached", key, "cpu_ms_per_request"),
        )
        if c is not None:
            cs[label] = c
    if rs:
        low = min(rs, key=rs.get)
        met = all(r >= TARGET for r in rs.values())
        line = (
            f"Cached upstream projects at the speed of local ones (requests/s >= {TARGET:g}x): "
            f"{'MET' if met else 'NOT MET'} ({sum(r >= TARGET for r in rs.values())} of "
            f"{len(rs)} reads; lowest {fmt_ratio(rs[low])}, {low})."
        )
        if cs:
            line += (
                f" By the server's CPU time per request, local/cached is "
                f"{fmt_ratio(min(cs.values()))} to {fmt_ratio(max(cs.values()))}."
            )
        out.append(line)
    else:
        out.append("Cached against local reads: not measured.")
    for key, label in READ_LABELS[:2]:
        r = ratio(_get(results, "revalidated", key, "rps"), _get(results, "cached", key, "rps"))
        if r:
            out.append(
                f"Revalidating every page read (ttl 0), {label}: {fmt_ratio(r)} of the "
                f"cached page's requests/s ({1 / r:.1f}x slower)."
            )
    cold = results.get("cold") or {}
    for what, key in (("page read", "page"), ("download", "file")):
        c, d = cold.get(f"{key}_cold"), cold.get(f"{key}_direct")
        if c and d:
            out.append(
                f"First {what} through the cache: {_ms(c['median_ms'])} ms against "
                f"{_ms(d['median_ms'])} ms directly from the upstream "
                f"(+{_ms(c['median_ms'] - d['median_ms'])} ms, "
                f"{fmt_ratio(ratio(c['median_ms'], d['median_ms']))}; median of {c['n']})."
            )
    big = results.get("big")
    if big:
        out.append(
            f"Large file ({big['size_mb']:.0f} MiB): first download through the cache "
            f"{big['cold_s']:.2f}s against {big['direct_first_s']:.2f}s directly "
            f"({fmt_ratio(ratio(big['cold_s'], big['direct_first_s']))}); cached "
            f"{fmt_ratio(ratio(big['local_s'], big['cached_s']))} of the local project's "
            f"speed. The cache's RSS grew {big['cold_growth_mb']:.1f} MB during the first "
            f"download, {big['warm_growth_mb']:.1f} MB during the later ones."
        )
    return out


def notes(results) -> list[str]:
    out = list(results.get("errors") or [])
    for mode, res in sorted(results["reads"].items()):
        if "error" in res:
            out.append(f"{mode}: FAILED: {res['error'].splitlines()[0]}")
        for key, label in READ_LABELS:
            ep = res.get("endpoints", {}).get(key) or {}
            if "na" in ep:
                out.append(f"{mode}: {label}: n/a ({ep['na']})")
            if ep.get("non2xx") or ep.get("socket_errors"):
                out.append(
                    f"{mode}: {label}: {ep.get('non2xx', 0)} non-2xx/3xx responses, "
                    f"{ep.get('socket_errors', 0)} socket errors (marked !)"
                )
    return out


def print_report(results) -> None:
    meta = results["_meta"]
    print(
        f"pull-through cache: {meta['projects']} projects x {meta['releases']} releases "
        f"(local and upstream), wrk -c{meta['connections']} -t{meta['wrk_threads']} "
        f"-d{meta['duration']:g}s, {meta['rounds']} rounds, {meta['machine']['nproc']} CPUs"
    )
    for table in (reads_table, revalidation_table, cold_table, big_table):
        head, rows = table(results)
        if rows:
            print()
            print(text_table(head, rows))
    print()
    for line in notes(results) + verdicts(results):
        print("* " + line)

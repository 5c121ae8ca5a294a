"""The report of ``varnish.py``: reads through Varnish against reads of
cheeseshop directly (requests/s, Varnish's hit ratio, CPU per request),
the mixed run (hit ratio while uploads purge, every upload visible at
once), verdicts; as text, and for the docs page (``varnish_docs``)."""

from __future__ import annotations

from .reads import ENDPOINTS
from .report import fmt_ratio, fmt_rps, ratio, text_table
from .varnish_front import hit_ratio

LABELS = dict(ENDPOINTS)
LABELS["download"] = "file download (small wheel)"


def _ep(results, mode, key) -> dict | None:
    return (results["reads"].get(mode) or {}).get("endpoints", {}).get(key)


def _get(results, mode, key, field):
    ep = _ep(results, mode, key)
    return ep.get(field) if ep else None


def _cpu(x) -> str:
    return "-" if x is None else f"{x:.2f}" if x >= 0.01 else f"{x:.3f}"


def _pct(x) -> str:
    return "-" if x is None else f"{x * 100:.1f}%" if x < 0.9995 else f"{x * 100:.2f}%"


def _backend_share(counted) -> str:
    """Requests that reached cheeseshop, per 1,000 Varnish served."""
    if not counted or not counted.get("client_req"):
        return "-"
    return f"{counted['backend_req'] * 1000 / counted['client_req']:.1f}"


def reads_table(results):
    head = [
        "read",
        "direct: req/s (p99)",
        "through Varnish: req/s (p99)",
        "Varnish/direct",
        "Varnish hit ratio",
        "backend req per 1000",
        "CPU ms/req: cheeseshop direct",
        "CPU ms/req: varnishd",
        "CPU ms/req: cheeseshop behind",
    ]
    rows = []
    for key, label in LABELS.items():
        counted = _get(results, "varnish", key, "counters")
        rows.append(
            [
                label,
                fmt_rps(_ep(results, "direct", key)),
                fmt_rps(_ep(results, "varnish", key)),
                fmt_ratio(
                    ratio(_get(results, "varnish", key, "rps"), _get(results, "direct", key, "rps"))
                ),
                _pct(hit_ratio(counted)),
                _backend_share(counted),
                _cpu(_get(results, "direct", key, "cpu_ms_per_request")),
                _cpu(_get(results, "varnish", key, "cpu_ms_per_request")),
                _cpu(_get(results, "varnish", key, "other_cpu_ms_per_request")),
            ]
        )
    return head, rows


def churn_table(results):
    churn = results.get("churn") or {}
    head = [
        "read, with uploads",
        "through Varnish: req/s (p99)",
        "Varnish hit ratio",
        "backend req per 1000",
        "uploads (failed)",
        "checks not visible",
        "checks: MISS",
        "upload ms (median)",
        "check ms (median)",
    ]
    rows = []
    for key, c in churn.items():
        rows.append(
            [
                LABELS[key],
                fmt_rps(c),
                _pct(c["hit_ratio"]),
                _backend_share(c["counters"]),
                f"{c['uploads']} ({c['uploads_failed']})",
                f"{c['not_visible']} of {c['checks']}",
                f"{c['check_misses']} of {c['checks']}",
                "-" if c["upload_ms_median"] is None else f"{c['upload_ms_median']:.0f}",
                "-" if c["check_ms_median"] is None else f"{c['check_ms_median']:.1f}",
            ]
        )
    return head, rows


def verdicts(results) -> list[str]:
    out = []
    seen = results.get("hit_check")
    if seen:
        out.append(
            "An unchanged page is a cache hit: "
            + ("MET" if seen[-1] == "HIT" else "NOT MET")
            + f" (a PEP 691 page read twice through Varnish: X-Cache {' then '.join(seen)})."
        )
    counted = [
        _get(results, "varnish", k, "counters")
        for k in LABELS
        if _get(results, "varnish", k, "counters")
    ]
    if counted:
        ratios = [hit_ratio(c) or 0 for c in counted]
        hits = sum(c["cache_hit"] for c in counted)
        looked_up = hits + sum(c["cache_miss"] + c["cache_hitpass"] for c in counted)
        out.append(
            f"Varnish hit ratio under the read benchmark: {_pct(min(ratios))} to "
            f"{_pct(max(ratios))} per read ({looked_up - hits:,} of {looked_up:,} "
            "lookups not hits, over every read and round)."
        )
    rs = {
        LABELS[k]: ratio(_get(results, "varnish", k, "rps"), _get(results, "direct", k, "rps"))
        for k in LABELS
    }
    rs = {k: r for k, r in rs.items() if r is not None}
    if rs:
        out.append(
            f"Requests/s through Varnish against cheeseshop directly: {fmt_ratio(min(rs.values()))} "
            f"({min(rs, key=rs.get)}) to {fmt_ratio(max(rs.values()))} ({max(rs, key=rs.get)})."
        )
    churn = results.get("churn") or {}
    if churn:
        uploads = sum(c["uploads"] for c in churn.values())
        failed = sum(c["uploads_failed"] for c in churn.values())
        checks = sum(c["checks"] for c in churn.values())
        invisible = sum(c["not_visible"] for c in churn.values())
        out.append(
            "An upload is visible through Varnish at once: "
            + ("MET" if not invisible and not failed and checks else "NOT MET")
            + f" ({uploads} uploads, {failed} failed; {checks} reads through Varnish right "
            f"after their 200, {invisible} without the new release)."
        )
        hrs = [c["hit_ratio"] for c in churn.values() if c["hit_ratio"] is not None]
        if hrs:
            out.append(
                f"Varnish hit ratio with an upload every {results['_meta']['churn_interval']:g}s: "
                f"{_pct(min(hrs))} to {_pct(max(hrs))}."
            )
    if "purge_warnings" in results:
        out.append(f"Bans cheeseshop could not send (its log): {results['purge_warnings']}.")
    return out


def notes(results) -> list[str]:
    out = list(results.get("errors") or [])
    for mode, res in sorted(results["reads"].items()):
        if "error" in res:
            out.append(f"{mode}: FAILED: {res['error'].splitlines()[0]}")
        for key, label in LABELS.items():
            ep = res.get("endpoints", {}).get(key) or {}
            if "na" in ep:
                out.append(f"{mode}: {label}: n/a ({ep['na']})")
            if ep.get("non2xx") or ep.get("socket_errors"):
                out.append(
                    f"{mode}: {label}: {ep.get('non2xx', 0)} non-2xx/3xx responses, "
                    f"{ep.get('socket_errors', 0)} socket errors (marked !)"
                )
    for key, c in (results.get("churn") or {}).items():
        for u in c.get("failures", ()):
            out.append(f"churn {LABELS[key]}: {u['project']} {u['version']}: {u}")
        if c["non2xx"] or c["socket_errors"]:
            out.append(
                f"churn {LABELS[key]}: {c['non2xx']} non-2xx/3xx responses, "
                f"{c['socket_errors']} socket errors (marked !)"
            )
    nuked = (results.get("varnish_totals") or {}).get("n_lru_nuked")
    if nuked:
        out.append(f"Varnish evicted {nuked} objects for room (n_lru_nuked): its storage is full.")
    return out


def print_report(results) -> None:
    meta = results["_meta"]
    print(
        f"varnish: {meta['projects']} projects x {meta['releases']} releases, "
        f"wrk -c{meta['connections']} -t{meta['wrk_threads']} -d{meta['duration']:g}s, "
        f"{meta['rounds']} rounds, {meta['machine']['nproc']} CPUs"
    )
    for table in (reads_table, churn_table):
        head, rows = table(results)
        if rows:
            print()
            print(text_table(head, rows))
    print()
    for line in notes(results) + verdicts(results):
        print("* " + line)

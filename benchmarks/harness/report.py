"""The report of compare.py: one table of every server's figures with the
cheeseshop ratios, the server CPU time per request, cheeseshop against the
stack's ceiling, the notes, the large-upload summary and the verdicts, as
plain text (the docs page uses the same rows)."""

from __future__ import annotations

from . import ceiling_report
from .reads import ENDPOINTS
from .servers import ORDER

TARGET_VS_DEVPI = 5.0


def fmt_rps(ep: dict | None) -> str:
    if ep is None:
        return "-"
    if "na" in ep:
        return "n/a"
    s = f"{ep['rps']:,.0f}" if ep["rps"] >= 100 else f"{ep['rps']:,.1f}"
    if "p99_ms" in ep:
        s += (
            f" (p99 {ep['p99_ms']:.0f} ms)"
            if ep["p99_ms"] >= 10
            else f" (p99 {ep['p99_ms']:.1f} ms)"
        )
    if ep.get("non2xx") or ep.get("socket_errors"):
        s += " !"
    return s


def ratio(a, b) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return "-"
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.2g}x"


def _ratio_cells(nums: dict) -> list[str]:
    """cs/devpi, cs/pypiserver and an empty target cell, for non-read rows."""
    return [
        fmt_ratio(ratio(nums.get("cheeseshop"), nums.get("devpi"))),
        fmt_ratio(ratio(nums.get("cheeseshop"), nums.get("pypiserver"))),
        "",
    ]


def build_table(results: dict) -> tuple[list[str], list[list[str]], list[str]]:
    present = [s for s in ORDER if s in results]
    head = ["metric"] + present + ["cs/devpi", "cs/pypiserver", f">={TARGET_VS_DEVPI:g}x devpi?"]
    rows = []
    notes = []

    def val(server, getter):
        r = results.get(server) or {}
        if "error" in r:
            return None
        try:
            return getter(r)
        except (KeyError, TypeError):
            return None

    # uploads
    cells = ["upload (files/s)"]
    nums = {}
    for s in present:
        v = val(s, lambda r: r["upload"]["per_s"])
        nums[s] = v
        nfail = val(s, lambda r: r["upload"]["failed"]) or 0
        cell = (
            "failed" if v is None and "error" in results[s] else ("-" if v is None else f"{v:,.1f}")
        )
        if nfail:
            cell += f" ({nfail} failed!)"
        cells.append(cell)
    cells += _ratio_cells(nums)
    rows.append(cells)

    for key, label in ENDPOINTS:
        lab = label + " (req/s)"
        cells = [lab]
        nums = {}
        for s in present:
            r = results[s]
            if "error" in r and key not in r.get("endpoints", {}):
                cells.append("failed")
                nums[s] = None
                continue
            ep = r.get("endpoints", {}).get(key)
            nums[s] = ep["rps"] if ep and "rps" in ep else None
            cells.append(fmt_rps(ep))
        rd = ratio(nums.get("cheeseshop"), nums.get("devpi"))
        rp = ratio(nums.get("cheeseshop"), nums.get("pypiserver"))
        if rd is None:
            met = "n/a"
        else:
            met = "yes" if rd >= TARGET_VS_DEVPI else "NO"
        cells += [fmt_ratio(rd), fmt_ratio(rp), met]
        rows.append(cells)

    for key, label in (
        ("peak_rss_kb", "peak RSS (MB)"),
        ("upload_hwm_kb", "  during upload (MB)"),
        ("read_hwm_kb", "  during reads (MB)"),
    ):
        cells = [label]
        nums = {}
        for s in present:
            v = val(s, lambda r: r[key] / 1024)  # noqa: B023 (called at once)
            nums[s] = v
            cells.append("-" if v is None else f"{v:,.0f}")
        cells += _ratio_cells(nums)
        rows.append(cells)

    if "error" in results.get("ceiling", {}):
        notes.append(f"ceiling: FAILED: {results['ceiling']['error'].splitlines()[0]}")
    for s in present:
        r = results[s]
        if "error" in r:
            notes.append(f"{s}: FAILED: {r['error'].splitlines()[0]}")
        for key, label in ENDPOINTS:
            ep = r.get("endpoints", {}).get(key) or {}
            if "na" in ep:
                notes.append(f"{s}: {label}: n/a ({ep['na']})")
            if ep.get("non2xx") or ep.get("socket_errors"):
                notes.append(
                    f"{s}: {label}: {ep.get('non2xx', 0)} non-2xx/3xx responses, "
                    f"{ep.get('socket_errors', 0)} socket errors (marked !)"
                )
        up = r.get("upload") or {}
        if up.get("reused_from"):
            notes.append(
                f"{s}: data reused (--reuse-data): upload figures are from the run "
                f"of {up['reused_from']}"
            )
        if up.get("failed"):
            notes.append(
                f"{s}: {up['failed']} of {up['count']} concurrent uploads failed "
                f"(retried one at a time: "
                f"{'all ok' if not up.get('failed_after_retry') else 'still failing'}); "
                f"first error: {up['errors'][0]}"
            )
        if r.get("big_error"):
            notes.append(f"{s}: large-wheel test FAILED: {r['big_error'].splitlines()[0]}")
        if r.get("json_note") and s != "cheeseshop":
            notes.append(f"{s}: '/pypi/<p>/json' row measures {r['json_note']}")
    return head, rows, notes


def text_table(head, rows) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(
        str(c).ljust(w) if i == 0 else str(c).rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths))
    )
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), sep] + [line(r) for r in rows])


def target_line(rows) -> str:
    reads = [r for r in rows if r[-1] in ("yes", "NO", "n/a")]
    met = [r for r in reads if r[-1] == "yes"]
    verdict = "MET" if reads and len(met) == len(reads) else "NOT MET"
    return (
        f"Target (every cheeseshop read >= {TARGET_VS_DEVPI:g}x devpi's requests/s): "
        f"{verdict}, {len(met)} of {len(reads)} reads."
    )


def cpu_table(results: dict) -> tuple[list[str], list[list[str]]]:
    """Each read row's server CPU time per request (ms, the median over the
    rounds), and how many times cheeseshop's the others spend: the figure
    the machine's load disturbs least."""
    present = [s for s in ORDER if s in results]
    others = [s for s in present if s != "cheeseshop"]
    head = ["server CPU ms/request", *present] + [f"{s}/cs" for s in others]
    rows = []
    for key, label in ENDPOINTS:
        cpu = {
            s: (results[s].get("endpoints", {}).get(key) or {}).get("cpu_ms_per_request")
            for s in present
        }
        rows.append(
            [label]
            + ["-" if cpu[s] is None else f"{cpu[s]:.2f}" for s in present]
            + [fmt_ratio(ratio(cpu[s], cpu.get("cheeseshop"))) for s in others]
        )
    return head, rows


def verdicts(rows, results: dict) -> list[str]:
    """The targets: 5x devpi, a cached page at half the ceiling, a worker's
    peak RSS."""
    devpi = [target_line(rows)] if "devpi" in results else []
    return devpi + ceiling_report.verdicts(results)


def big_summary(results: dict) -> list[str]:
    out = []
    for s in ORDER:
        b = (results.get(s) or {}).get("big")
        if not b:
            continue
        out.append(
            f"{s}: {b['size_mb']:.0f} MiB wheel: upload {b['upload_s']:.1f}s "
            f"({b['size_mb'] / b['upload_s']:.0f} MiB/s), download {b['download_s']:.1f}s "
            f"({b['size_mb'] / b['download_s']:.0f} MiB/s), download "
            f"{'verified' if b['download_ok'] else 'CORRUPT'}. Server RSS before "
            f"{b['rss_before_kb'] / 1024:.1f} MB, peak during upload "
            f"{b['rss_peak_upload_kb'] / 1024:.1f} MB, peak during download "
            f"{b['rss_peak_download_kb'] / 1024:.1f} MB, after {b['rss_after_kb'] / 1024:.1f} MB: "
            f"growth {b['growth_mb']:.1f} MB, target < {results['_meta']['big_limit_mb']:g} MB: "
            f"{'met' if b['met'] else 'NOT MET'}. For comparison the same upload of a "
            f"2 KB wheel peaked {b['growth_small_mb']:.1f} MB above the same baseline, so "
            f"{b['growth_mb'] - b['growth_small_mb']:.1f} MB of the growth scales with the file."
        )
    return out


def print_report(results: dict) -> None:
    """The tables, then the notes, the large-upload summary and the verdicts."""
    meta = results["_meta"]
    head, rows, notes = build_table(results)
    print(
        f"{', '.join(s for s in ORDER if s in results)}: {meta['projects']} projects x "
        f"{meta['releases']} releases, cheeseshop serve {meta.get('cheeseshop_serve_args', '')}, "
        f"wrk -c{meta['connections']} -t{meta['wrk_threads']} -d{meta['duration']:g}s x "
        f"{meta['rounds']} rounds, {meta.get('machine', {}).get('nproc', '?')} CPUs"
    )
    print()
    print(text_table(head, rows))
    print()
    print(text_table(*cpu_table(results)))
    print()
    if "ceiling" in results:
        print(ceiling_report.summary(results))
        print(text_table(ceiling_report.HEAD, ceiling_report.rows(results)))
        print()
        print(text_table(ceiling_report.MEMORY_HEAD, ceiling_report.memory_rows(results)))
        print()
    for n in notes + big_summary(results) + verdicts(rows, results):
        print("* " + n)

"""cheeseshop against the stack's ceiling, from a run's results: each read
row's requests/s and server CPU time per request beside the ceiling's, the
memory of cheeseshop's worker and of the ceiling, and the verdicts (a
cached project page at >= 50% of the ceiling, a worker's peak RSS during
the reads <= 150 MB)."""

from __future__ import annotations

from .ceiling_server import ROW
from .reads import ENDPOINTS

TARGET_RATIO = 0.5  # a cached project page at >= 50% of the ceiling
TARGET_ROWS = ("simple_html", "simple_json")  # the cached project pages
TARGET_RSS_MB = 150  # peak RSS of one worker under the read benchmark

# "of the ceiling": requests/s against the ceiling's; "CPU: ceiling's /
# this": the ceiling's CPU time per request against this row's, the same
# ratio measured in what load on the machine disturbs least.
HEAD = ["read", "requests/s", "of the ceiling", "server CPU ms/request", "CPU: ceiling's / this"]
MEMORY_HEAD = ["server", "RSS after start", "peak RSS (VmHWM) during the reads", "RSS at the end"]


def _endpoint(results, server, key) -> dict:
    return (results.get(server) or {}).get("endpoints", {}).get(key) or {}


def ceiling_figures(results) -> dict:
    return _endpoint(results, "ceiling", ROW[0])


def of_ceiling(results, key) -> float | None:
    """cheeseshop's requests/s on row ``key`` as a fraction of the ceiling's."""
    top = ceiling_figures(results).get("rps")
    rps = _endpoint(results, "cheeseshop", key).get("rps")
    return rps / top if rps and top else None


def rows(results) -> list[list[str]]:
    top = ceiling_figures(results)
    ceiling_cpu = top.get("cpu_ms_per_request")
    out = []
    for server, key, label in [("ceiling", *ROW)] + [
        ("cheeseshop", k, text) for k, text in ENDPOINTS
    ]:
        ep = _endpoint(results, server, key)
        if "rps" not in ep:
            out.append([label, ep.get("na", "-"), "", "", ""])
            continue
        cpu = ep.get("cpu_ms_per_request")
        p99 = f" (p99 {ep['p99_ms']:.0f} ms)" if "p99_ms" in ep else ""
        out.append(
            [
                label,
                f"{ep['rps']:,.0f}{p99}",
                f"{ep['rps'] / top['rps']:.0%}" if top.get("rps") else "?",
                f"{cpu:.2f}" if cpu else "?",
                f"{ceiling_cpu / cpu:.0%}" if cpu and ceiling_cpu else "?",
            ]
        )
    return out


def _mb(kb) -> str:
    return f"{kb / 1024:.0f} MB" if kb else "?"


def memory_rows(results) -> list[list[str]]:
    return [
        [
            name,
            _mb(results.get(name, {}).get("rss_idle_kb")),
            _mb(results.get(name, {}).get("read_hwm_kb")),
            _mb(results.get(name, {}).get("rss_end_kb")),
        ]
        for name in ("ceiling", "cheeseshop")
        if name in results
    ]


def verdicts(results) -> list[str]:
    out = []
    for key in TARGET_ROWS:
        share = of_ceiling(results, key)
        if share is not None:
            out.append(
                f"cheeseshop {dict(ENDPOINTS)[key]} (a cached project page): {share:.0%} "
                f"of the ceiling (target >= {TARGET_RATIO:.0%}): "
                + ("met" if share >= TARGET_RATIO else "NOT met")
            )
    hwm = (results.get("cheeseshop") or {}).get("read_worker_hwm_kb")
    if hwm:
        out.append(
            f"cheeseshop peak RSS of a worker during the reads: {hwm / 1024:.0f} MB "
            f"(target <= {TARGET_RSS_MB} MB): "
            + ("met" if hwm / 1024 <= TARGET_RSS_MB else "NOT met")
        )
    return out


def summary(results) -> str:
    """What the ceiling served, in a sentence."""
    res = results.get("ceiling") or {}
    return (
        f"The ceiling: a minimal Pyramid app on waitress with cheeseshop serve's options, "
        f"one route answering a fixed body of {res.get('body_bytes', '?')} bytes "
        f"({res.get('body_content_type', '?')}), one of cheeseshop's simple pages."
    )

"""The report of ``private_index.py``: the reads table (each mode's
requests/s, private/public ratios), the upload-authentication table, the
verdicts on the acceptance figures, as text and as the docs page
(``docs/benchmarks-private-index.rst``)."""

from __future__ import annotations

from pathlib import Path

from .docs_page import rst_table
from .reads import ENDPOINTS
from .report import fmt_ratio, fmt_rps, ratio, text_table

READ_TARGET = 0.5  # private reads >= this x public reads' requests/s
UPLOAD_TARGET = 0.1  # token's upload authentication < this x password's

# (column, mode, mode it is compared with)
COLUMNS = [
    ("cs public", "cheeseshop-public", None),
    ("cs token", "cheeseshop-token", None),
    ("cs password", "cheeseshop-password", None),
    ("cs token/public", "cheeseshop-token", "cheeseshop-public"),
    ("cs password/public", "cheeseshop-password", "cheeseshop-public"),
    ("pypiserver public", "pypiserver-public", None),
    ("pypiserver password", "pypiserver-private", None),
    ("pypiserver password/public", "pypiserver-private", "pypiserver-public"),
]


def _rps(results, mode, key):
    ep = (results["reads"].get(mode) or {}).get("endpoints", {}).get(key)
    return ep.get("rps") if ep else None


def reads_table(results) -> tuple[list[str], list[list[str]]]:
    present = set(results["reads"])
    cols = [c for c in COLUMNS if c[1] in present and (c[2] is None or c[2] in present)]
    head = ["read: req/s (p99)"] + [c[0] for c in cols]
    rows = []
    for key, label in ENDPOINTS:
        cells = [label]
        for _, mode, base in cols:
            if base is None:
                ep = (results["reads"].get(mode) or {}).get("endpoints", {}).get(key)
                cells.append(fmt_rps(ep))
            else:
                cells.append(fmt_ratio(ratio(_rps(results, mode, key), _rps(results, base, key))))
        rows.append(cells)
    return head, rows


def _cpu(results, mode, key):
    ep = (results["reads"].get(mode) or {}).get("endpoints", {}).get(key)
    return ep.get("cpu_ms_per_request") if ep else None


def cpu_table(results) -> tuple[list[str], list[list[str]]]:
    """The server's CPU time per request in each mode, and public's over
    private's: the requests/s ratio a CPU-bound server would reach."""
    present = set(results["reads"])
    cols = [c for c in COLUMNS if c[1] in present and (c[2] is None or c[2] in present)]
    head = ["read: server CPU ms/request"] + [c[0] for c in cols]
    rows = []
    for key, label in ENDPOINTS:
        cells = [label]
        for _, mode, base in cols:
            if base is None:
                v = _cpu(results, mode, key)
                cells.append("-" if v is None else f"{v:.2f}")
            else:
                cells.append(fmt_ratio(ratio(_cpu(results, base, key), _cpu(results, mode, key))))
        rows.append(cells)
    return head, rows


def has_cpu(results) -> bool:
    return any(
        "cpu_ms_per_request" in ep
        for res in results["reads"].values()
        for ep in res.get("endpoints", {}).values()
    )


def cpu_ratios(results, mode, base="cheeseshop-public") -> dict[str, float]:
    out = {}
    for key, label in ENDPOINTS:
        r = ratio(_cpu(results, base, key), _cpu(results, mode, key))
        if r is not None:
            out[label] = r
    return out


def read_ratios(results, mode, base="cheeseshop-public") -> dict[str, float]:
    out = {}
    for key, label in ENDPOINTS:
        r = ratio(_rps(results, mode, key), _rps(results, base, key))
        if r is not None:
            out[label] = r
    return out


def _ms(x: float) -> str:
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def upload_table(results) -> tuple[list[str], list[list[str]]]:
    ua = results.get("upload_auth")
    head = [
        "POST /legacy/, one at a time",
        "token: ms (CPU ms)",
        "password: ms (CPU ms)",
        "token/password: time",
        "token/password: CPU",
        "password - token: ms",
    ]
    if not ua:
        return head, []
    rows = []

    def row(label, t_wall, t_cpu, p_wall, p_cpu):
        rows.append(
            [
                label,
                f"{_ms(t_wall)} ({_ms(t_cpu)})",
                f"{_ms(p_wall)} ({_ms(p_cpu)})",
                fmt_ratio(ratio(t_wall, p_wall)),
                fmt_ratio(ratio(t_cpu, p_cpu)),
                _ms(p_wall - t_wall),
            ]
        )

    for part, label in (
        ("full", "full upload (new small wheel)"),
        ("bogus", "rejected after authentication"),
    ):
        t, p = ua[part]["token"], ua[part]["password"]
        row(label, t["median_wall_ms"], t["mean_cpu_ms"], p["median_wall_ms"], p["mean_cpu_ms"])
    t, p, a = (ua["bogus"][k] for k in ("token", "password", "anonymous"))
    row(
        "authentication alone (rejected - anonymous)",
        t["median_wall_ms"] - a["median_wall_ms"],
        t["mean_cpu_ms"] - a["mean_cpu_ms"],
        p["median_wall_ms"] - a["median_wall_ms"],
        p["mean_cpu_ms"] - a["mean_cpu_ms"],
    )
    return head, rows


def verdicts(results) -> list[str]:
    out = []
    for mode, what in (("cheeseshop-token", "a token"), ("cheeseshop-password", "a password")):
        rs = read_ratios(results, mode)
        if not rs:
            out.append(f"Private reads with {what}: not measured.")
            continue
        low = min(rs, key=rs.get)
        met = all(r >= READ_TARGET for r in rs.values())
        line = (
            f"Private reads with {what} >= {READ_TARGET:g}x public reads' requests/s: "
            f"{'MET' if met else 'NOT MET'} "
            f"({sum(r >= READ_TARGET for r in rs.values())} of {len(rs)} reads; "
            f"lowest {fmt_ratio(rs[low])}, {low})."
        )
        cs = cpu_ratios(results, mode)
        if cs:
            line += (
                f" By the server's CPU time per request, public/private is "
                f"{fmt_ratio(min(cs.values()))} to {fmt_ratio(max(cs.values()))} "
                f"({sum(r >= READ_TARGET for r in cs.values())} of {len(cs)} reads >= "
                f"{READ_TARGET:g}x)."
            )
        out.append(line)
    ua = results.get("upload_auth")
    if ua:
        t, p = ua["bogus"]["token"], ua["bogus"]["password"]
        r_wall = t["median_wall_ms"] / p["median_wall_ms"]
        r_cpu = t["mean_cpu_ms"] / p["mean_cpu_ms"] if p["mean_cpu_ms"] else None
        out.append(
            f"Upload authenticated by token < {UPLOAD_TARGET:g}x the cost of one "
            f"authenticated by password: {'MET' if r_wall < UPLOAD_TARGET else 'NOT MET'} "
            f"(POST rejected right after authentication: {fmt_ratio(r_wall)} of the time, "
            f"{fmt_ratio(r_cpu)} of the server's CPU; both include the request's own cost, "
            "so the authentication alone costs a smaller share)."
        )
    else:
        out.append("Upload authentication: not measured.")
    return out


def notes(results) -> list[str]:
    out = list(results.get("errors") or [])
    for mode, res in sorted(results["reads"].items()):
        if "error" in res:
            out.append(f"{mode}: FAILED: {res['error'].splitlines()[0]}")
        for key, label in ENDPOINTS:
            ep = res.get("endpoints", {}).get(key) or {}
            if "na" in ep:
                out.append(f"{mode}: {label}: n/a ({ep['na']})")
            if ep.get("non2xx") or ep.get("socket_errors"):
                out.append(
                    f"{mode}: {label}: {ep.get('non2xx', 0)} non-2xx/3xx responses, "
                    f"{ep.get('socket_errors', 0)} socket errors (marked !)"
                )
    ua = results.get("upload_auth")
    if ua:
        a = ua["bogus"]["anonymous"]
        out.append(
            f"Without credentials the rejected POST is answered 401 before its body is "
            f"read: {_ms(a['median_wall_ms'])} ms ({_ms(a['mean_cpu_ms'])} ms CPU), "
            "the request's cost without authentication."
        )
    return out


def print_private_report(results) -> None:
    meta = results["_meta"]
    print(
        f"private index: {meta['projects']} projects x {meta['releases']} releases, "
        f"wrk -c{meta['connections']} -t{meta['wrk_threads']} -d{meta['duration']:g}s, "
        f"{meta['rounds']} rounds, {meta['machine']['nproc']} CPUs"
    )
    print()
    print(text_table(*reads_table(results)))
    print()
    if has_cpu(results):
        print(text_table(*cpu_table(results)))
        print()
    ua = results.get("upload_auth")
    if ua:
        print(f"{ua['n']} POSTs of each kind, one at a time (median time, mean server CPU):")
        print(text_table(*upload_table(results)))
        print()
    for line in notes(results) + verdicts(results):
        print("* " + line)


def write_private_docs(path: Path, results: dict, command: str) -> None:
    meta = results["_meta"]
    m = meta["machine"]
    v = results.get("versions", {})
    ua = results.get("upload_auth") or {}
    serve_args = meta.get("cheeseshop_serve_args") or ""
    has_pypiserver = "pypiserver-public" in results["reads"]
    title = "Benchmarks: the private index"
    lines = [
        title,
        "=" * len(title),
        "",
        "What reading a private index costs (``cheeseshop.read_access = authenticated``),",
        "with an API token and with a password, against the same reads of the public",
        "index in the same run; and what authenticating an upload costs, token",
        "against password.  Measured by ``benchmarks/private_index.py`` (see",
        "``benchmarks/README.md``).  The machine is small and shared, so absolute",
        "numbers are noisy: read the ratios.",
        "",
        f"Run on {meta['date']} ({meta.get('minutes', 0):.0f} minutes).",
        "",
        "Command",
        "-------",
        "",
        "::",
        "",
        f"    {command}",
        "",
        "Acceptance",
        "----------",
        "",
        "Private reads with a token and with a password reach at least half the",
        "requests/s of public reads in the same run; an upload authenticated by",
        "token costs less than a tenth of one authenticated by password.",
        "",
    ]
    lines += [f"* {line}" for line in verdicts(results)] + [""]
    lines += [
        "Workload",
        "--------",
        "",
        f"* Corpus: {meta['projects']} projects x {meta['releases']} releases, one small "
        f"wheel per release ({meta['files']} files), uploaded through ``/legacy/`` "
        f"with {meta['upload_threads']} client threads (HTTP Basic, password).",
        "* cheeseshop serves it twice at once, from the same data folder: the",
        "  public index as loaded, and a second ``cheeseshop serve`` started with",
        "  ``CHEESESHOP_READ_ACCESS=authenticated``, which answers 401 to anonymous",
        "  reads (checked before the reads).  Its reads send HTTP Basic credentials",
        "  on every request: ``__token__`` and a read-only API token made by",
        "  ``cheeseshop token create bench --read-only``, or the user ``bench`` and",
        "  its password (argon2id, verified once, then remembered by the worker for",
        "  ``cheeseshop.login.remember_seconds``, 300 by default).",
    ]
    if has_pypiserver:
        lines += [
            "* pypiserver likewise: the public one (``-a update -P htpasswd``: only",
            "  uploads need a password) and a second one on the same packages folder",
            "  with ``-a download,list,update -P htpasswd``, whose reads send the",
            "  password, checked on every request against an htpasswd entry in",
            "  Apache's default ``apr1`` (MD5-crypt, 1000 rounds) format written with",
            "  passlib.  (A bcrypt entry would cost far more per read.)",
        ]
    lines += [
        f"* Reads: ``wrk -c{meta['connections']} -t{meta['wrk_threads']} "
        f"-d{meta['duration']:g}s --latency`` after a {meta['warmup']:g}s warm-up, the",
        "  ``Authorization`` header set in wrk's Lua script, cycling over every",
        "  project's page for the per-project rows and every file linked from the",
        "  simple pages for downloads (the rows of :doc:`benchmarks`).",
        f"  {meta['rounds']} rounds; in each, the modes are measured back to back for one",
        "  endpoint before the next (their order rotating between rounds), so that",
        "  changes in the machine's load hit them alike.  Cells show the median",
        "  requests/s and the median 99th percentile latency over the rounds.",
    ]
    if ua:
        lines += [
            f"* Upload authentication, on the private cheeseshop after the reads: "
            f"{ua['n']} POSTs to ``/legacy/`` of each kind",
            f"  (after {ua['warmup']} of each unmeasured), one at a time on one keep-alive",
            "  connection, token and password alternating: full uploads of new small",
            "  wheels (a project per kind, one new release each), then a tiny form",
            "  with ``:action=bogus``, which the server authenticates and then rejects",
            "  (400), and the same form without credentials (401 before the body is",
            "  read).  The token may upload (not read-only).  Time: the client's wall",
            "  time per request, median.  CPU: the server process's CPU time per",
            "  request (its threads' ``/proc/<pid>/task/<tid>/schedstat``), mean.",
            "  A password upload also writes a login audit event.",
        ]
    lines += ["", "Results", "-------", "", "Reads", "~~~~~", ""]
    lines += [rst_table(*reads_table(results)), ""]
    lines += (
        []
        if not has_cpu(results)
        else [
            "The server's CPU time per request in the same runs (its threads' CPU",
            "time over the wrk run, divided by the requests wrk completed; median over",
            "the rounds), and public's over private's: the requests/s ratio a",
            "CPU-bound server reaches, far less disturbed than requests/s by other",
            "load on the machine:",
            "",
            rst_table(*cpu_table(results)),
            "",
        ]
    )
    if ua:
        lines += ["Upload authentication", "~~~~~~~~~~~~~~~~~~~~~", ""]
        lines += [rst_table(*upload_table(results)), ""]
    ns = notes(results)
    if ns:
        lines += ["Notes:", ""] + [f"* {n}" for n in ns] + [""]
    lines += [
        "devpi-server is not in this comparison: it has no private-read mode of its",
        "own (its indexes are readable by anyone; ``acl_upload`` guards writes",
        "only).  The devpi-lockdown plugin adds one, but it needs a front proxy",
        "(nginx's ``auth_request``) to ask devpi whether each request may pass.",
        "",
        "Setup",
        "-----",
        "",
    ]
    for name, vers in v.items():
        lines.append(f"* **{name}**: {', '.join(f'{k} {x}' for k, x in vers.items())}")
    lines += [
        "",
        "cheeseshop runs ``cheeseshop --data DIR serve --host 127.0.0.1 --port PORT"
        + (f" {serve_args}" if serve_args else "")
        + "``"
        + ("" if serve_args else " (one worker process, 8 threads: its defaults)")
        + ", with its defaults otherwise (access log on).",
    ]
    if has_pypiserver:
        lines += [
            "pypiserver runs on waitress (4 threads) with the ``cached-dir`` backend",
            "(watchdog), as in :doc:`benchmarks`.",
        ]
    lines += [
        "",
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
    loads = [
        w["loadavg"][0]
        for res in results["reads"].values()
        for ep in res.get("endpoints", {}).values()
        for w in ep.get("rounds", ())
        if w.get("loadavg")
    ]
    if loads:
        lines.append(
            f"* Load average (1 minute) after each wrk run: {min(loads):.1f} to {max(loads):.1f}"
        )
    lines.append("")
    path.write_text("\n".join(lines))

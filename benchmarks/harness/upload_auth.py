"""What authenticating an upload costs: POSTs to ``/legacy/`` sent with an
API token and with the user's password, one at a time on one keep-alive
connection, the two kinds alternating (which goes first swaps every
round), after a warm-up of each.

* ``full``: complete uploads, each a new small wheel (a new release of a
  project of its own per kind, made by the warm-up upload);
* ``bogus``: a tiny form with ``:action=bogus``: the server authenticates,
  reads the form, answers 400 "Unknown or missing ':action'": the
  authentication and little else;
* ``anonymous``: the same form without credentials, answered 401 before the
  body is read: what a request costs without any authentication.

Per request: the client's wall time, and the server's CPU time (the sum over
its process tree's threads of ``/proc/<pid>/task/<tid>/schedstat``'s first
field, nanoseconds on CPU, read before and after the request)."""

from __future__ import annotations

import http.client
import shutil
import statistics
import time
import urllib.parse
from pathlib import Path

from .console import BenchError, log
from .corpus import file_sha256, wheel_filename, write_wheel
from .cpu import cpu_ns
from .http_client import multipart
from .memory import process_tree
from .servers import Server

KINDS = ("token", "password")
PROJECT = "cheesebench-auth-{kind}"


class Connection:
    """One keep-alive HTTP/1.1 connection, reopened when the server closes it."""

    def __init__(self, base: str, timeout: float = 120.0):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.will_close:
            self.close()
        return resp.status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _form(fields: list[tuple[str, str]]) -> tuple[dict[str, str], bytes]:
    boundary = "cheesebench-auth"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields
    )
    body += f"--{boundary}--\r\n".encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body


def _wheels(work: Path, kind: str, count: int, stamp: str) -> list[tuple[dict, bytes]]:
    """``count`` new small wheels of ``cheesebench-auth-<kind>`` as upload
    requests (headers, body); versions carry ``stamp``, so that each run's
    are new even on data an earlier run loaded."""
    wdir = work / "upload-auth" / kind
    if wdir.exists():
        shutil.rmtree(wdir)
    wdir.mkdir(parents=True)
    dist = PROJECT.format(kind=kind)
    out = []
    for i in range(count):
        version = f"2.{stamp}.{i}"
        path = wdir / wheel_filename(dist, version)
        write_wheel(path, dist, version, f"auth benchmark {kind}", f"N = {i}\n".encode() * 40)
        fields = [
            (":action", "file_upload"),
            ("protocol_version", "1"),
            ("metadata_version", "2.1"),
            ("name", dist),
            ("version", version),
            ("summary", f"auth benchmark {kind}"),
            ("filetype", "bdist_wheel"),
            ("pyversion", "py3"),
            ("sha256_digest", file_sha256(path)),
        ]
        hdrs, body, _ = multipart(fields, path.name, path)
        out.append((hdrs, b"".join(body)))
    return out


def _stats(walls: list[float], cpus: list[float]) -> dict:
    return {
        "n": len(walls),
        "median_wall_ms": statistics.median(walls),
        "mean_wall_ms": statistics.fmean(walls),
        "median_cpu_ms": statistics.median(cpus),
        "mean_cpu_ms": statistics.fmean(cpus),
        "wall_ms": walls,
        "cpu_ms": cpus,
    }


def _measure(srv: Server, conn: Connection, pids, requests: dict, want: dict, n: int) -> dict:
    """``requests[kind]``: a list of (headers, body), the first ones the
    warm-up; ``want[kind]``: (status, bytes the answer holds)."""
    kinds = list(requests)
    walls: dict[str, list[float]] = {k: [] for k in kinds}
    cpus: dict[str, list[float]] = {k: [] for k in kinds}
    warmup = len(next(iter(requests.values()))) - n
    for i in range(warmup + n):
        order = kinds if i % 2 == 0 else kinds[::-1]
        for kind in order:
            hdrs, body = requests[kind][i]
            headers = {**hdrs, "User-Agent": "cheeseshop-benchmarks/1"}
            c0 = cpu_ns(pids)
            t0 = time.perf_counter()
            status, answer = conn.request("POST", srv.upload_path, headers, body)
            t1 = time.perf_counter()
            c1 = cpu_ns(pids)
            status_want, text_want = want[kind]
            if status != status_want or text_want not in answer:
                raise BenchError(
                    f"{srv.name}: {kind} POST answered HTTP {status} {answer[:200]!r}, "
                    f"expected {status_want} with {text_want!r}"
                )
            if i >= warmup:
                walls[kind].append((t1 - t0) * 1e3)
                cpus[kind].append((c1 - c0) / 1e6)
    return {k: _stats(walls[k], cpus[k]) for k in kinds}


def upload_auth_test(srv: Server, creds: dict[str, str], args) -> dict:
    """The three measurements on a running cheeseshop; ``creds[kind]``: the
    Authorization header of each kind (the token must allow uploads)."""
    n, warmup = args.upload_requests, 2
    pids = process_tree(srv.proc.pid)
    conn = Connection(srv.base)
    stamp = time.strftime("%Y%m%d%H%M%S")
    out: dict = {"server": srv.name, "n": n, "warmup": warmup}
    try:
        log(f"{srv.name}: upload auth: {n} full uploads of each kind (+{warmup} warm-up)")
        requests = {}
        for kind in KINDS:
            reqs = _wheels(args.work_dir, kind, n + warmup, stamp)
            requests[kind] = [({**h, "Authorization": creds[kind]}, b) for h, b in reqs]
        out["full"] = _measure(srv, conn, pids, requests, {k: (200, b"OK") for k in KINDS}, n)

        log(f"{srv.name}: upload auth: {n} rejected POSTs of each kind (+{warmup} warm-up)")
        hdrs, body = _form([(":action", "bogus"), ("protocol_version", "1")])
        requests = {k: [({**hdrs, "Authorization": creds[k]}, body)] * (n + warmup) for k in KINDS}
        requests["anonymous"] = [(hdrs, body)] * (n + warmup)
        want = {k: (400, b"Unknown or missing") for k in KINDS}
        want["anonymous"] = (401, b"")
        out["bogus"] = _measure(srv, conn, pids, requests, want, n)
    finally:
        conn.close()
    for part in ("full", "bogus"):
        t, p = out[part]["token"], out[part]["password"]
        log(
            f"{srv.name}: upload auth {part}: token {t['median_wall_ms']:.1f} ms "
            f"(CPU {t['mean_cpu_ms']:.1f}), password {p['median_wall_ms']:.1f} ms "
            f"(CPU {p['mean_cpu_ms']:.1f}): token/password "
            f"{t['median_wall_ms'] / p['median_wall_ms']:.3f}"
        )
    return out

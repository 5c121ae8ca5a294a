"""What ``benchmarks/scale.py`` measures besides the wrk read rows: the
simple root list streamed (first byte, whole list, the server's peak RSS
meanwhile) and uploads through ``/legacy/`` one after another."""

from __future__ import annotations

import hashlib
import http.client
import secrets
import statistics
import time
from pathlib import Path

from .console import BenchError, log
from .corpus_shape import PlannedProject, release_of
from .memory import RssSampler, reset_hwm, tree_mem


def stream_root(server, repeat: int = 3) -> dict:
    """GET ``/simple/`` ``repeat`` times, reading it in 64 KiB chunks: the
    first byte's latency and the whole list's time of the first GET (the
    list streamed from the database: call this before any other read) and
    their medians (later ones may come from the page cache), the size, and
    the server's peak RSS over the lot against its RSS before."""
    before_kb = tree_mem(server.proc.pid)["rss_kb"]
    reset_hwm(server.proc.pid)
    first, whole, sizes = [], [], []
    with RssSampler(server.proc.pid, interval=0.01) as sampler:
        for _ in range(repeat):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
            started = time.perf_counter()
            connection.request("GET", "/simple/", headers={"Accept": "text/html"})
            response = connection.getresponse()
            chunk = response.read1(65536) if hasattr(response, "read1") else response.read(1)
            first.append(time.perf_counter() - started)
            size = len(chunk)
            while chunk := response.read(65536):
                size += len(chunk)
            whole.append(time.perf_counter() - started)
            sizes.append(size)
            if response.status != 200:
                raise BenchError(f"{server.name}: /simple/ -> HTTP {response.status}")
            connection.close()
    peak_kb = max(sampler.max_kb, tree_mem(server.proc.pid)["hwm_kb"])
    return {
        "cold_first_byte_ms": first[0] * 1e3,
        "cold_whole_s": whole[0],
        "first_byte_ms": statistics.median(first) * 1e3,
        "whole_s": statistics.median(whole),
        "bytes": statistics.median(sizes),
        "rss_before_kb": before_kb,
        "peak_rss_kb": peak_kb,
        "growth_kb": peak_kb - before_kb,
    }


def upload_rounds(servers, work: Path, uploads: int, rounds: int) -> dict:
    """``uploads`` new projects uploaded through ``/legacy/`` to each
    server, one at a time, in ``rounds`` rounds interleaving the servers;
    the median of each server's uploads/s over the rounds."""
    per_round = max(1, uploads // rounds)
    # New names each run: a reused index has the last run's uploads, and
    # uploading the same file again is the cheap "already there" path.
    run = secrets.token_hex(3)
    rates = {server.name: [] for server in servers}
    folder = work / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    for round_number in range(rounds):
        order = servers[round_number % len(servers) :] + servers[: round_number % len(servers)]
        for server in order:
            jobs = [
                _upload_file(folder, f"scaleupload-{run}-{server.name}-{round_number}-{i}")
                for i in range(per_round)
            ]
            started = time.perf_counter()
            for path, entry in jobs:
                response = server.upload(path, entry)
                if response.status != 200 or b"already" in response.body:
                    raise BenchError(
                        f"{server.name}: upload of {entry['filename']} -> HTTP "
                        f"{response.status}: {response.body[:300]!r}"
                    )
            seconds = time.perf_counter() - started
            rates[server.name].append(per_round / seconds)
            log(f"{server.name:6s} upload   {per_round / seconds:7.1f} uploads/s")
    return {
        name: {"rps": statistics.median(values), "rounds": values, "uploads": per_round * rounds}
        for name, values in rates.items()
    }


def _upload_file(folder: Path, name: str) -> tuple[Path, dict]:
    described, (wheel, *_) = release_of(PlannedProject(name, 1, False), 0)
    path = folder / wheel.filename
    path.write_bytes(wheel.content)
    return path, {
        "name": name,
        "version": described["version"],
        "summary": described["summary"],
        "filename": wheel.filename,
        "sha256": hashlib.sha256(wheel.content).hexdigest(),
        "md5": hashlib.md5(wheel.content).hexdigest(),
    }

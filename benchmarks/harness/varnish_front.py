"""The servers of ``varnish.py``: Debian's ``varnishd`` running the VCL the
deployment guide ships (``docs/examples/cheeseshop.vcl``), the cheeseshop
behind it (told to mark its pages for a CDN and to ban their keys in that
Varnish after each commit), and the read mode that reads through Varnish."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

from .console import BenchError, log
from .http_client import fetch
from .paths import REPO
from .private_servers import ReadMode
from .processes import free_port, run, spawn, stop_process, tail_file
from .servers import Cheeseshop

VCL = REPO / "docs" / "examples" / "cheeseshop.vcl"
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VARNISHSTAT = shutil.which("varnishstat") or "/usr/bin/varnishstat"
# varnishstat's MAIN.* counters kept around each measurement.
COUNTERS = (
    "client_req",
    "cache_hit",
    "cache_hit_grace",
    "cache_miss",
    "cache_hitpass",
    "cache_hitmiss",
    "s_pass",
    "backend_req",
    "bans_added",
    "n_lru_nuked",
)


class Varnish:
    """One ``varnishd -F`` in its own folder (``-j none``: no jail, it runs
    as whoever runs the benchmark), listening on a free port chosen now, so
    that cheeseshop can be told where to send its bans before either
    starts."""

    name = "varnish"

    def __init__(self, work, storage: str, start_timeout: float):
        self.dir = work / "data" / "varnish" / "varnishd"
        self.logfile = work / "logs" / "varnish" / "varnishd.log"
        self.storage = storage
        self.start_timeout = start_timeout
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def version(self) -> str:
        cp = run([VARNISHD, "-V"], check=False)
        return ((cp.stdout + cp.stderr).splitlines() or ["?"])[0].strip()

    def start(self, backend_port: int) -> None:
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        vcl = self.dir / "cheeseshop.vcl"
        text = VCL.read_text()
        if '"6543"' not in text:
            raise BenchError(f'{VCL}: no backend port "6543" to replace')
        vcl.write_text(text.replace('"6543"', f'"{backend_port}"'))
        cmd = [VARNISHD, "-F", "-j", "none", "-n", str(self.dir / "work")]
        cmd += ["-a", f"127.0.0.1:{self.port}", "-f", str(vcl), "-s", self.storage]
        log(f"varnish: starting on port {self.port} in front of port {backend_port}")
        self.proc = spawn(cmd, logfile=self.logfile)
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(
                        "varnishd did not start:\n" + tail_file(self.logfile)
                    ) from None
                time.sleep(0.1)
        log(f"varnish: ready (pid {self.proc.pid})")

    def counters(self) -> dict[str, int]:
        """``varnishstat -1 -j``: the MAIN counters in ``COUNTERS``."""
        cp = run([VARNISHSTAT, "-n", str(self.dir / "work"), "-1", "-j"], timeout=30)
        data = json.loads(cp.stdout)
        found = data.get("counters", data)  # 6.5+ nests them; older ones did not
        return {k: int(found.get(f"MAIN.{k}", {}).get("value", 0)) for k in COUNTERS}

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            log("varnish: stopped")
            self.proc = None


class _Fronted:
    """Mixed into the cheeseshop's class: pages marked for a CDN for
    ``s_maxage`` seconds, bans sent to ``front`` after each commit, and
    ``front`` started as soon as cheeseshop answers (before the corpus is
    uploaded, so the load's bans reach it too)."""

    front: Varnish
    s_maxage = 3600

    def env(self):
        return {
            **super().env(),
            "CHEESESHOP_CDN_S_MAXAGE": str(self.s_maxage),
            "CHEESESHOP_PURGE": "varnish",
            "CHEESESHOP_PURGE_URL": self.front.base + "/",
        }

    def after_start(self):
        super().after_start()
        self.front.start(self.port)

    def stop(self):
        self.front.stop()
        super().stop()


def fronted_cheeseshop(cls: type[Cheeseshop], args, work, front: Varnish) -> Cheeseshop:
    srv = type("Fronted" + cls.__name__, (_Fronted, cls), {})(args, work)
    srv.front, srv.s_maxage = front, args.s_maxage
    srv.data = work / "data" / "varnish" / srv.name
    srv.logfile = work / "logs" / "varnish" / f"{srv.name}.log"
    return srv


class ThroughVarnish(ReadMode):
    """Reads sent to the Varnish in front of ``server``: its URLs, process
    (whose CPU time is the row's) and log are Varnish's; the cheeseshop
    behind it is an ``other_procs`` (its CPU time per request, kept apart),
    and ``counters`` lets ``measure_reads`` keep Varnish's hits and misses
    of each measured run."""

    def __init__(self, name: str, label: str, server: Cheeseshop, front: Varnish):
        super().__init__(name, label, server, {})
        self.front = front
        self.other_procs = [server.proc]

    @property
    def base(self) -> str:
        return self.front.base

    @property
    def port(self) -> int:
        return self.front.port

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.front.proc

    @property
    def logfile(self):
        return self.front.logfile

    def counters(self) -> dict[str, int]:
        return self.front.counters()


def hit_ratio(counted: dict[str, int] | None) -> float | None:
    """Hits among the requests Varnish looked up (hits, misses, hits on a
    hit-for-pass object); a hit-for-miss is counted among the misses."""
    if not counted:
        return None
    looked_up = counted["cache_hit"] + counted["cache_miss"] + counted["cache_hitpass"]
    return counted["cache_hit"] / looked_up if looked_up else None


def check_hit(mode: ThroughVarnish, path: str, headers: dict[str, str]) -> list[str]:
    """An unchanged page read twice through Varnish: the second read is a
    hit (the VCL's ``X-Cache``).  Both reads' ``X-Cache``."""
    seen = []
    for _ in range(2):
        r = fetch("GET", mode.base + path, headers=headers)
        if r.status != 200:
            raise BenchError(f"varnish: {path} -> HTTP {r.status}")
        seen.append(r.headers.get("x-cache", "none"))
    if seen[-1] != "HIT":
        raise BenchError(f"varnish: {path} read twice was no hit (X-Cache {seen})")
    return seen

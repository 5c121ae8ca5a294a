#!/usr/bin/env python3
"""Benchmark cheeseshop against pypiserver and devpi-server, side by side.

Run it from anywhere as ``python3 benchmarks/compare.py`` (stdlib only; every
server is installed into its own venv under the work dir).  See
``benchmarks/README.md`` for what is measured and how.

One run:

1. makes (or reuses) one venv per server under ``--work-dir``;
2. generates (or reuses) a synthetic corpus of small, valid wheels;
3. for each server in turn: starts it on 127.0.0.1:<free port> with a fresh
   data dir, uploads the corpus through its upload API with a thread pool,
   then measures the read endpoints with ``wrk`` and the peak RSS;
4. cheeseshop only: uploads and downloads a 300 MB wheel and reports the
   server's memory growth;
5. prints a table of absolute figures and ratios; ``--write-docs`` also writes
   ``docs/benchmarks.rst``.

Every server process is started in its own session and killed on exit
(try/finally, atexit and SIGTERM/SIGINT handlers).
"""

from __future__ import annotations

import argparse
import atexit
import base64
import concurrent.futures
import datetime
import hashlib
import html.parser
import http.client
import json
import os
import platform
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_WORK = HERE / ".work"

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
USER = "bench"
EMAIL = "bench@example.invalid"
DEVPI_INDEX = "dev"
TARGET_VS_DEVPI = 3.0

ENDPOINTS = [
    # key, label
    ("simple_root", "/simple/"),
    ("simple_html", "/simple/<p>/ HTML"),
    ("simple_json", "/simple/<p>/ JSON"),
    ("project_json", "/pypi/<p>/json"),
    ("download", "file download"),
]


class BenchError(Exception):
    """A failure with a message meant for the user (no traceback needed)."""


def log(msg: str) -> None:
    ts = time.strftime("%H:%M:%S")
    print(f"[{ts}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Process management: every process we start is tracked and killed on exit.
# --------------------------------------------------------------------------

_PROCS: list[subprocess.Popen] = []
_PROCS_LOCK = threading.Lock()


def _kill_proc(proc: subprocess.Popen, grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    # Each server runs in its own session, so its process group id is its pid:
    # this reaches the server and any workers it forked, and nothing else.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        try:
            proc.terminate()
        except ProcessLookupError:
            pass
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                proc.kill()
            except ProcessLookupError:
                pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            log(f"warning: process {proc.pid} did not die")


def kill_all() -> None:
    with _PROCS_LOCK:
        procs = list(_PROCS)
        _PROCS.clear()
    for p in procs:
        _kill_proc(p)


def spawn(cmd: list[str], *, logfile: Path, env=None, cwd=None) -> subprocess.Popen:
    logfile.parent.mkdir(parents=True, exist_ok=True)
    fh = open(logfile, "ab")
    fh.write(f"\n### {datetime.datetime.now().isoformat()} $ {shlex.join(cmd)}\n".encode())
    fh.flush()
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
            env=env, cwd=cwd, start_new_session=True,
        )
    finally:
        fh.close()
    with _PROCS_LOCK:
        _PROCS.append(proc)
    return proc


def forget(proc: subprocess.Popen) -> None:
    with _PROCS_LOCK:
        if proc in _PROCS:
            _PROCS.remove(proc)


def _on_signal(signum, frame):
    # Turn SIGTERM/SIGHUP into an exception so finally blocks run.
    raise KeyboardInterrupt(f"signal {signum}")


def run(cmd, *, timeout=600, input=None, check=True, env=None, cwd=None):
    """Run a short-lived command, capturing its output."""
    try:
        cp = subprocess.run(
            cmd, input=input, capture_output=True, text=True, timeout=timeout,
            env=env, cwd=cwd, start_new_session=True,
        )
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"command timed out after {timeout}s: {shlex.join(map(str, cmd))}") from e
    except FileNotFoundError as e:
        raise BenchError(f"command not found: {cmd[0]}") from e
    if check and cp.returncode != 0:
        out = (cp.stdout + cp.stderr).strip().splitlines()
        tail = "\n    ".join(out[-25:])
        raise BenchError(
            f"command failed (exit {cp.returncode}): {shlex.join(map(str, cmd))}\n    {tail}")
    return cp


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail_file(path: Path, n: int = 30) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + ln for ln in lines[-n:])


# --------------------------------------------------------------------------
# Memory: VmHWM / VmRSS of a process tree.
# --------------------------------------------------------------------------

def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # comm may contain spaces/parens: split after the last ')'
        rest = stat[stat.rfind(")") + 2:].split()
        ppid = int(rest[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def process_tree(pid: int) -> list[int]:
    kids = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_mem(pid: int) -> dict[str, int]:
    """Sum of VmRSS and VmHWM (kB) over the process and its descendants."""
    pids = process_tree(pid)
    return {
        "rss_kb": sum(_status_kb(p, "VmRSS") for p in pids),
        "hwm_kb": sum(_status_kb(p, "VmHWM") for p in pids),
        "nprocs": len(pids),
    }


def reset_hwm(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, clear_refs value 5)."""
    ok = True
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            ok = False
    return ok


class RssSampler:
    """Samples the tree's RSS in a background thread; keeps the maximum."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval = pid, interval
        self.max_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            self.max_kb = max(self.max_kb, tree_mem(self.pid)["rss_kb"])
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.max_kb = max(self.max_kb, tree_mem(self.pid)["rss_kb"])


# --------------------------------------------------------------------------
# HTTP (stdlib http.client), multipart streaming.
# --------------------------------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    def json(self):
        return json.loads(self.body)


def fetch(method: str, url: str, *, headers=None, body=None, timeout=60.0,
         sink=None) -> Response:
    """One HTTP request on a fresh connection.  ``body`` may be bytes or an
    iterable of bytes (then a Content-Length header must be given).  If
    ``sink`` is given, the response body is streamed into ``sink(chunk)``."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        if sink is None:
            data = resp.read()
        else:
            data = b""
            while True:
                chunk = resp.read(1 << 20)
                if not chunk:
                    break
                sink(chunk)
        return Response(resp.status, hdrs, data)
    finally:
        conn.close()


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def multipart(fields: list[tuple[str, str]], filename: str, path: Path,
              chunk: int = 1 << 20):
    """Return (headers, body_iterable, length) streaming ``path`` from disk."""
    boundary = "cheesebench" + secrets.token_hex(16)
    pre = bytearray()
    for k, v in fields:
        pre += (f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"'
                f"\r\n\r\n").encode() + str(v).encode() + b"\r\n"
    pre += (f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream'
            f"\r\n\r\n").encode()
    post = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size
    length = len(pre) + size + len(post)

    def gen():
        yield bytes(pre)
        with open(path, "rb") as f:
            while True:
                b = f.read(chunk)
                if not b:
                    break
                yield b
        yield post

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
    }
    return headers, gen(), length


class LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def parse_links(body: bytes) -> list[tuple[str, str]]:
    p = LinkParser()
    p.feed(body.decode("utf-8", "replace"))
    return p.links


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --------------------------------------------------------------------------
# Corpus: small, valid wheels.
# --------------------------------------------------------------------------

ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def _record_hash(data: bytes) -> str:
    d = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(d).rstrip(b"=").decode()


def _wheel_meta(dist: str, version: str, summary: str) -> tuple[bytes, bytes]:
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {dist}\n"
        f"Version: {version}\n"
        f"Summary: {summary}\n"
        "Requires-Python: >=3.8\n"
        "\n"
    ).encode()
    wheel = (
        "Wheel-Version: 1.0\n"
        "Generator: cheeseshop-benchmarks\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    ).encode()
    return metadata, wheel


def wheel_filename(dist: str, version: str) -> str:
    return f"{re.sub(r'[-_.]+', '_', dist).lower()}-{version}-py3-none-any.whl"


def write_wheel(path: Path, dist: str, version: str, summary: str, module: bytes) -> None:
    pkg = re.sub(r"[-_.]+", "_", dist).lower()
    distinfo = f"{pkg}-{version}.dist-info"
    metadata, wheel = _wheel_meta(dist, version, summary)
    members = [
        (f"{pkg}/__init__.py", module),
        (f"{distinfo}/METADATA", metadata),
        (f"{distinfo}/WHEEL", wheel),
    ]
    record = "".join(f"{n},{_record_hash(d)},{len(d)}\n" for n, d in members)
    record += f"{distinfo}/RECORD,,\n"
    members.append((f"{distinfo}/RECORD", record.encode()))
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members:
            zi = zipfile.ZipInfo(n, ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, d)
    os.replace(tmp, path)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def make_corpus(work: Path, projects: int, releases: int) -> tuple[Path, list[dict]]:
    cdir = work / "corpus" / f"p{projects}-r{releases}"
    manifest_path = cdir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if all((cdir / e["filename"]).exists() for e in manifest):
            log(f"corpus: reusing {len(manifest)} wheels in {cdir}")
            return cdir, manifest
    log(f"corpus: generating {projects} projects x {releases} releases in {cdir}")
    cdir.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(projects)))
    rng = random.Random(1234)
    words = ("cheese wensleydale stilton gouda brie camembert cheddar feta "
             "gruyere emmental parmesan roquefort limburger edam manchego").split()
    manifest = []
    for i in range(projects):
        dist = f"cheesebench-{i:0{width}d}"
        for r in range(releases):
            version = f"1.{r}.0"
            summary = f"Synthetic benchmark project {i} ({rng.choice(words)})"
            body = " ".join(rng.choice(words) for _ in range(120))
            module = (f'"""{dist} {version}\n\n{body}\n"""\n'
                      f'__version__ = "{version}"\n').encode()
            fn = wheel_filename(dist, version)
            write_wheel(cdir / fn, dist, version, summary, module)
            manifest.append({
                "name": dist, "version": version, "summary": summary,
                "filename": fn, "sha256": file_sha256(cdir / fn),
                "md5": hashlib.md5((cdir / fn).read_bytes()).hexdigest(),
            })
    manifest_path.write_text(json.dumps(manifest, indent=0))
    return cdir, manifest


def make_big_wheel(work: Path, size_mb: int) -> dict:
    """A valid wheel holding ``size_mb`` MiB of random bytes, written in 1 MiB
    chunks (never whole in memory)."""
    bdir = work / "bigwheel"
    dist, version = "cheesebench-big", f"{size_mb}.0.0"
    fn = wheel_filename(dist, version)
    path = bdir / fn
    meta_path = bdir / (fn + ".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("size") == path.stat().st_size:
            log(f"big wheel: reusing {path} ({meta['size'] / 2**20:.0f} MiB)")
            return meta
    log(f"big wheel: writing {size_mb} MiB of random payload to {path}")
    bdir.mkdir(parents=True, exist_ok=True)
    pkg = "cheesebench_big"
    distinfo = f"{pkg}-{version}.dist-info"
    metadata, wheel = _wheel_meta(dist, version, "Large incompressible benchmark wheel")
    init = f'__version__ = "{version}"\n'.encode()
    tmp = path.with_suffix(".tmp")
    records = []
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for n, d in ((f"{pkg}/__init__.py", init), (f"{distinfo}/METADATA", metadata),
                     (f"{distinfo}/WHEEL", wheel)):
            zf.writestr(zipfile.ZipInfo(n, ZIP_DATE), d)
            records.append(f"{n},{_record_hash(d)},{len(d)}\n")
        name = f"{pkg}/payload.bin"
        zi = zipfile.ZipInfo(name, ZIP_DATE)
        zi.compress_type = zipfile.ZIP_STORED
        h = hashlib.sha256()
        total = 0
        with zf.open(zi, "w", force_zip64=True) as out:
            for _ in range(size_mb):
                chunk = os.urandom(1 << 20)
                h.update(chunk)
                out.write(chunk)
                total += len(chunk)
        digest = base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()
        records.append(f"{name},sha256={digest},{total}\n")
        records.append(f"{distinfo}/RECORD,,\n")
        zf.writestr(zipfile.ZipInfo(f"{distinfo}/RECORD", ZIP_DATE), "".join(records))
    os.replace(tmp, path)
    meta = {"name": dist, "version": version, "filename": fn,
            "summary": "Large incompressible benchmark wheel",
            "size": path.stat().st_size, "sha256": file_sha256(path)}
    meta_path.write_text(json.dumps(meta))
    return meta


def make_probe_wheel(work: Path) -> dict:
    bdir = work / "bigwheel"
    bdir.mkdir(parents=True, exist_ok=True)
    dist, version = "cheesebench-probe", "1.0.0"
    fn = wheel_filename(dist, version)
    summary = "Tiny wheel: baseline for the large-upload memory test"
    write_wheel(bdir / fn, dist, version, summary, b'"""probe"""\n' + b"#" * 2000 + b"\n")
    return {"name": dist, "version": version, "filename": fn, "summary": summary,
            "size": (bdir / fn).stat().st_size, "sha256": file_sha256(bdir / fn)}


# --------------------------------------------------------------------------
# venvs
# --------------------------------------------------------------------------

def ensure_venv(vdir: Path, requirements: list[str], stamp_extra: str, reinstall: bool,
                logfile: Path) -> None:
    stamp = vdir / ".bench-installed"
    want = json.dumps({"req": requirements, "extra": stamp_extra})
    if not reinstall and stamp.exists() and stamp.read_text() == want:
        return
    if reinstall and vdir.exists():
        shutil.rmtree(vdir)
    if not (vdir / "bin" / "python").exists():
        log(f"venv: creating {vdir}")
        run([sys.executable, "-m", "venv", str(vdir)], timeout=300)
    log(f"venv: pip install {' '.join(requirements)}")
    cp = run([str(vdir / "bin" / "python"), "-m", "pip", "install",
              "--disable-pip-version-check", "-q", *requirements],
             timeout=1800, check=False)
    logfile.parent.mkdir(parents=True, exist_ok=True)
    logfile.write_text(cp.stdout + cp.stderr)
    if cp.returncode != 0:
        raise BenchError(f"pip install failed for {vdir.name} (see {logfile}):\n"
                         + tail_file(logfile, 20))
    stamp.write_text(want)


def venv_versions(vdir: Path, dists: list[str]) -> dict[str, str]:
    code = ("import importlib.metadata as m, json, sys\n"
            "out = {}\n"
            "for d in sys.argv[1:]:\n"
            "    try: out[d] = m.version(d)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(out))\n")
    cp = run([str(vdir / "bin" / "python"), "-c", code, *dists], timeout=60, check=False)
    try:
        return json.loads(cp.stdout)
    except ValueError:
        return {}


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------

class Server:
    name = "?"
    dists: list[str] = []
    json_note = ""          # how the /pypi/<p>/json row was measured
    auth_note = ""

    def __init__(self, args, work: Path):
        self.args = args
        self.work = work
        self.venv = work / "venvs" / self.name
        self.data = work / "data" / self.name
        self.logfile = work / "logs" / f"{self.name}.log"
        self.password = "bench-" + secrets.token_hex(8)
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.plans: dict[str, tuple[Path, int]] = {}

    # -- paths -------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def simple_root(self) -> str:
        return "/simple/"

    def simple_project(self, project: str) -> str:
        return f"/simple/{project}/"

    def json_path(self, project: str) -> str | None:
        return f"/pypi/{project}/json"

    json_headers: dict[str, str] = {}
    upload_path = "/"

    def ready_path(self) -> str:
        return "/simple/"

    # -- lifecycle ---------------------------------------------------------
    def requirements(self) -> tuple[list[str], str]:
        raise NotImplementedError

    def install(self) -> None:
        reqs, extra = self.requirements()
        ensure_venv(self.venv, reqs, extra, self.args.reinstall,
                    self.work / "logs" / f"pip-{self.name}.log")

    def versions(self) -> dict[str, str]:
        return venv_versions(self.venv, self.dists)

    def prepare(self) -> None:
        if self.data.exists():
            shutil.rmtree(self.data)
        self.data.mkdir(parents=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        self.port = free_port()
        cmd = self.command()
        log(f"{self.name}: starting on port {self.port}: {shlex.join(cmd)}")
        self.proc = spawn(cmd, logfile=self.logfile, env=self.env())
        self.wait_ready()
        log(f"{self.name}: ready (pid {self.proc.pid})")

    def command_id(self) -> str:
        """What must match for --reuse-data: the server kind and upload auth."""
        return f"{self.name}/{self.auth_note}"

    def env(self):
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env["PATH"] = str(self.venv / "bin") + os.pathsep + env.get("PATH", "")
        env["VIRTUAL_ENV"] = str(self.venv)
        return env

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.args.start_timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with code {self.proc.returncode} "
                                 f"during start-up; log {self.logfile}:\n"
                                 + tail_file(self.logfile))
            try:
                r = fetch("GET", self.base + self.ready_path(), timeout=5)
                if r.status < 500:
                    return
                last = f"HTTP {r.status}"
            except OSError as e:
                last = str(e)
            time.sleep(0.25)
        raise BenchError(f"{self.name} not ready after {self.args.start_timeout}s ({last}); "
                         f"log {self.logfile}:\n" + tail_file(self.logfile))

    def after_start(self) -> None:
        """Create the upload user (and index) once the server answers."""

    def after_restart(self) -> None:
        """Started again on data loaded by an earlier run (--reuse-data)."""

    def stop(self) -> None:
        if self.proc is not None:
            _kill_proc(self.proc)
            forget(self.proc)
            log(f"{self.name}: stopped")
            self.proc = None

    # -- upload ------------------------------------------------------------
    def upload_headers(self) -> dict[str, str]:
        return {"Authorization": basic_auth(USER, self.password)}

    def upload(self, path: Path, entry: dict, timeout: float = 120.0) -> Response:
        fields = [
            (":action", "file_upload"),
            ("protocol_version", "1"),
            ("metadata_version", "2.1"),
            ("name", entry["name"]),
            ("version", entry["version"]),
            ("summary", entry.get("summary", "")),
            ("filetype", "bdist_wheel"),
            ("pyversion", "py3"),
            ("sha256_digest", entry["sha256"]),
        ]
        if entry.get("md5"):
            fields.append(("md5_digest", entry["md5"]))
        hdrs, body, _ = multipart(fields, entry["filename"], path)
        hdrs.update(self.upload_headers())
        hdrs["User-Agent"] = "cheeseshop-benchmarks/1"
        return fetch("POST", self.base + self.upload_path, headers=hdrs, body=body,
                    timeout=timeout)


class Cheeseshop(Server):
    name = "cheeseshop"
    dists = ["cheeseshop", "waitress", "pyramid", "SQLAlchemy", "argon2-cffi"]
    json_note = "/pypi/<p>/json"
    auth_note = "HTTP Basic (user created with `cheeseshop user add`)"
    upload_path = "/legacy/"

    def requirements(self):
        h = hashlib.sha256()
        for f in ("setup.cfg", "setup.py", "pyproject.toml"):
            p = REPO / f
            if p.exists():
                h.update(p.read_bytes())
        return ["-e", str(REPO)], h.hexdigest()

    def install(self) -> None:
        super().install()
        if not (self.venv / "bin" / "cheeseshop").exists():
            raise BenchError(f"cheeseshop venv has no `cheeseshop` command ({self.venv})")

    def command(self):
        return [self.bin("cheeseshop"), "--data", str(self.data), "serve",
                "--host", "127.0.0.1", "--port", str(self.port),
                *shlex.split(self.args.cheeseshop_serve_args)]

    def after_start(self):
        cp = run([self.bin("cheeseshop"), "--data", str(self.data), "user", "add", USER,
                  "--email", EMAIL, "--password-stdin"],
                 input=self.password + "\n", timeout=120, check=False, env=self.env())
        if cp.returncode != 0:
            raise BenchError("`cheeseshop user add` failed:\n" + (cp.stdout + cp.stderr)[-2000:])


class PyPIServer(Server):
    name = "pypiserver"
    dists = ["pypiserver", "watchdog", "passlib", "waitress"]
    json_note = "/<p>/json (pypiserver's own JSON route; it has no /pypi/<p>/json)"
    auth_note = ("htpasswd file (apr1/MD5, passlib) protecting 'update'; "
                 "reads unauthenticated; cached-dir backend (watchdog)")

    def requirements(self):
        # waitress: bottle's "auto" server picks waitress when importable; without
        # it pypiserver would fall back to the single-threaded wsgiref server.
        return ["pypiserver[cache]", "passlib", "waitress"], "v1"

    def prepare(self):
        super().prepare()
        (self.data / "packages").mkdir()
        code = ("import sys\n"
                "from passlib.apache import HtpasswdFile\n"
                "h = HtpasswdFile(sys.argv[1], new=True, default_scheme='apr_md5_crypt')\n"
                "h.set_password(sys.argv[2], sys.stdin.read().strip())\n"
                "h.save()\n")
        run([self.bin("python"), "-c", code, str(self.data / "htpasswd"), USER],
            input=self.password, timeout=60)

    def command(self):
        return [self.bin("pypi-server"), "run", "--host", "127.0.0.1", "--port", str(self.port),
                "--backend", "cached-dir", "--server", "auto", "--disable-fallback",
                "-a", "update", "-P", str(self.data / "htpasswd"),
                str(self.data / "packages")]

    def json_path(self, project):
        return f"/{project}/json"


class Devpi(Server):
    name = "devpi"
    dists = ["devpi-server", "devpi-client", "devpi-common", "waitress", "pyramid"]
    json_note = (f"/{USER}/{DEVPI_INDEX}/<p> with Accept: application/json "
                 "(devpi's closest equivalent)")
    @property
    def auth_note(self):
        if self.args.devpi_auth == "token":
            return "devpi-client's login token (X-Devpi-Auth header)"
        return "HTTP Basic against a devpi user (as twine does)"

    def requirements(self):
        return ["devpi-server", "devpi-client"], "v1"

    @property
    def index(self) -> str:
        return f"/{USER}/{DEVPI_INDEX}"

    @property
    def upload_path(self):
        return self.index + "/"

    def ready_path(self):
        return "/+api"

    def prepare(self):
        super().prepare()
        run([self.bin("devpi-init"), "--serverdir", str(self.data / "server"),
             "--no-root-pypi"], timeout=300, env=self.env())

    def command(self):
        return [self.bin("devpi-server"), "--serverdir", str(self.data / "server"),
                "--host", "127.0.0.1", "--port", str(self.port)]

    def after_start(self):
        js = {"Content-Type": "application/json", "Accept": "application/json"}
        r = fetch("PUT", f"{self.base}/{USER}", headers=js,
                 body=json.dumps({"password": self.password, "email": EMAIL}).encode())
        if r.status not in (200, 201):
            raise BenchError(f"devpi: creating user failed: HTTP {r.status} {r.body[:300]!r}")
        auth = self.login()
        r = fetch("PUT", self.base + self.index, headers={**js, "X-Devpi-Auth": auth},
                 body=json.dumps({"type": "stage", "bases": [], "volatile": True}).encode())
        if r.status not in (200, 201):
            raise BenchError(f"devpi: creating index failed: HTTP {r.status} {r.body[:300]!r}")

    def login(self) -> str:
        js = {"Content-Type": "application/json", "Accept": "application/json"}
        r = fetch("POST", f"{self.base}/+login", headers=js,
                  body=json.dumps({"user": USER, "password": self.password}).encode())
        if r.status != 200:
            raise BenchError(f"devpi: login failed: HTTP {r.status} {r.body[:300]!r}")
        token = r.json()["result"]["password"]
        self.devpi_auth = base64.b64encode(f"{USER}:{token}".encode()).decode()
        return self.devpi_auth

    def after_restart(self):
        if self.args.devpi_auth == "token":
            self.login()

    def simple_root(self):
        return f"{self.index}/+simple/"

    def simple_project(self, project):
        return f"{self.index}/+simple/{project}/"

    def json_path(self, project):
        return f"{self.index}/{project}"

    json_headers = {"Accept": "application/json"}

    def upload_headers(self):
        if self.args.devpi_auth == "token":
            return {"X-Devpi-Auth": self.devpi_auth}
        return super().upload_headers()


SERVERS = {"cheeseshop": Cheeseshop, "devpi": Devpi, "pypiserver": PyPIServer}


# --------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------

def _lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_lua(path: Path, paths: list[str], headers: dict[str, str]) -> None:
    lines = ["local paths = {"]
    lines += [f"  {_lua_str(p)}," for p in paths]
    lines.append("}")
    lines.append("local n = #paths")
    for k, v in headers.items():
        lines.append(f"wrk.headers[{_lua_str(k)}] = {_lua_str(v)}")
    lines.append(r"""
local next_id = 0
function setup(thread)
  -- spread the threads over the list
  thread:set("offset", math.floor(next_id * n / 2))
  next_id = next_id + 1
end
local counter = 0
function init(args)
  counter = (offset or 0) % n
end
function request()
  counter = counter % n + 1
  return wrk.format("GET", paths[counter])
end
""")
    path.write_text("\n".join(lines))


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> dict:
    res: dict = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise BenchError("could not parse wrk output:\n" + out)
    res["rps"] = float(m.group(1))
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            res[f"p{pct}_ms"] = _ms(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", out)
    if m:
        res["requests"] = int(m.group(1))
        res["read"] = m.group(3)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return res


def run_wrk(base: str, lua: Path, duration: float, args) -> dict:
    cmd = ["wrk", f"-c{args.connections}", f"-t{args.wrk_threads}", f"-d{duration:g}s",
           "--latency", f"--timeout={args.wrk_timeout:g}s", "-s", str(lua), base + "/"]
    try:
        cp = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120,
                            start_new_session=True)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"wrk did not finish: {shlex.join(cmd)}") from e
    if cp.returncode != 0:
        raise BenchError(f"wrk failed ({cp.returncode}): {cp.stderr.strip()}")
    res = parse_wrk(cp.stdout)
    res["raw"] = cp.stdout
    return res


# --------------------------------------------------------------------------
# One server's benchmark
# --------------------------------------------------------------------------

def upload_corpus(srv: Server, cdir: Path, manifest: list[dict], threads: int) -> dict:
    """Upload every wheel with a thread pool.  The rate counts the concurrent
    pass only; files that failed in it are retried one at a time afterwards
    (so the read benchmarks still see the whole corpus) and reported."""
    failures: list[tuple[dict, str]] = []
    lock = threading.Lock()
    done = [0]

    def one(entry):
        with lock:
            done[0] += 1
        try:
            r = srv.upload(cdir / entry["filename"], entry)
            ok = 200 <= r.status < 300
            msg = None if ok else f"HTTP {r.status} {r.body[:160]!r}"
        except OSError as e:
            msg = f"{type(e).__name__}: {e}"
        if msg:
            with lock:
                failures.append((entry, msg))

    stop = threading.Event()

    def progress():
        while not stop.wait(30):
            el = time.perf_counter() - t0
            log(f"{srv.name}: ... {done[0]}/{len(manifest)} uploads started in {el:.0f}s, "
                f"{len(failures)} failed so far")

    t0 = time.perf_counter()
    reporter = threading.Thread(target=progress, daemon=True)
    reporter.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, manifest))
    finally:
        stop.set()
    dt = time.perf_counter() - t0
    ok = len(manifest) - len(failures)
    out = {"count": len(manifest), "seconds": dt, "ok": ok, "per_s": ok / dt,
           "failed": len(failures),
           "errors": [f"{e['filename']}: {m}" for e, m in failures[:5]]}
    if failures:
        log(f"{srv.name}: {len(failures)} of {len(manifest)} uploads failed, e.g. "
            f"{out['errors'][0]}; retrying them one at a time")
        retry = list(failures)
        failures.clear()
        for entry, _ in retry:
            one(entry)
        out["failed_after_retry"] = len(failures)
        if failures:
            raise BenchError(f"{srv.name}: {len(failures)} uploads failed even when retried "
                             "one at a time, e.g.:\n    "
                             + "\n    ".join(f"{e['filename']}: {m}" for e, m in failures[:5]))
    return out


def gather_urls(srv: Server, manifest: list[dict], limit_projects: int) -> dict:
    """Project names from the corpus, file download paths from the simple pages."""
    projects = sorted({normalize(e["name"]) for e in manifest})
    # Check the root index lists them all.
    r = fetch("GET", srv.base + srv.simple_root())
    if r.status != 200:
        raise BenchError(f"{srv.name}: {srv.simple_root()} -> HTTP {r.status}")
    listed = {normalize(text or href.rstrip("/").rsplit("/", 1)[-1])
              for href, text in parse_links(r.body)}
    missing = [p for p in projects if p not in listed]
    if missing:
        raise BenchError(f"{srv.name}: {len(missing)} projects missing from "
                         f"{srv.simple_root()}, e.g. {missing[:3]}")
    rng = random.Random(42)
    sample = projects if len(projects) <= limit_projects else rng.sample(projects, limit_projects)
    files: list[str] = []
    seen: set[str] = set()
    for p in sample:
        page = srv.simple_project(p)
        r = fetch("GET", srv.base + page)
        if r.status != 200:
            raise BenchError(f"{srv.name}: {page} -> HTTP {r.status}")
        for href, text in parse_links(r.body):
            url = urllib.parse.urljoin(srv.base + page, href)
            u = urllib.parse.urlsplit(url)
            if (u.hostname, u.port) != ("127.0.0.1", srv.port):
                raise BenchError(f"{srv.name}: file link points elsewhere: {url}")
            path = u.path + ("?" + u.query if u.query else "")
            files.append(path)
            seen.add(text or u.path.rsplit("/", 1)[-1])
    want = {e["filename"] for e in manifest if normalize(e["name"]) in set(sample)}
    if not want <= seen:
        lost = sorted(want - seen)
        raise BenchError(f"{srv.name}: {len(lost)} uploaded files not on the simple pages, "
                         f"e.g. {lost[:3]}")
    rng.shuffle(sample)
    rng.shuffle(files)
    return {"projects": sample, "files": files}


def preflight(srv: Server, paths: list[str], headers: dict[str, str], want_ct=None,
              n: int = 3) -> tuple[bool, str]:
    """Fetch a few of the paths; (ok, note).  ok=False means 'not supported'."""
    for p in paths[:n]:
        r = fetch("GET", srv.base + p, headers=headers)
        if r.status != 200:
            return False, f"HTTP {r.status} for {p}"
        if want_ct and r.content_type != want_ct:
            return False, f"answers {r.content_type or 'no content-type'}, not {want_ct}"
    return True, ""


def load_server(srv: Server, cdir: Path, manifest: list[dict], args, results: dict) -> None:
    """Start the server, upload the corpus, and prepare its wrk scripts.
    The server is left running for the read phase."""
    res = results.setdefault(srv.name, {})
    res["json_note"] = srv.json_note
    res["auth_note"] = srv.auth_note
    marker = srv.data / ".bench-loaded.json"
    loaded = None
    if args.reuse_data and marker.exists():
        loaded = json.loads(marker.read_text())
        if loaded.get("corpus") != cdir.name or loaded.get("serve") != srv.command_id():
            log(f"{srv.name}: data dir holds another corpus or set-up; loading it afresh")
            loaded = None
    if loaded:
        log(f"{srv.name}: reusing the data loaded on {loaded['date']} (--reuse-data)")
        srv.password = loaded["password"]
        srv.start()
        pid = srv.proc.pid
        srv.after_restart()
        res["rss_idle_kb"] = tree_mem(pid)["rss_kb"]
        res["upload"] = dict(loaded["upload"], reused_from=loaded["date"])
        res["upload_hwm_kb"] = loaded["upload_hwm_kb"]
    else:
        marker.unlink(missing_ok=True)
        srv.prepare()
        srv.start()
        pid = srv.proc.pid
        srv.after_start()
        res["rss_idle_kb"] = tree_mem(pid)["rss_kb"]

        log(f"{srv.name}: uploading {len(manifest)} wheels with {args.upload_threads} threads")
        res["loadavg_before_upload"] = os.getloadavg()
        reset_hwm(pid)
        res["upload"] = up = upload_corpus(srv, cdir, manifest, args.upload_threads)
        mem = tree_mem(pid)
        res["upload_hwm_kb"] = mem["hwm_kb"]
        log(f"{srv.name}: {up['ok']} of {up['count']} uploads succeeded in {up['seconds']:.1f}s "
            f"= {up['per_s']:.1f}/s")
        marker.write_text(json.dumps({
            "corpus": cdir.name, "serve": srv.command_id(), "password": srv.password,
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "upload": up, "upload_hwm_kb": res["upload_hwm_kb"],
        }))

    log(f"{srv.name}: collecting URLs from the simple pages")
    urls = gather_urls(srv, manifest, args.max_urls)
    lua_dir = args.work_dir / "lua" / srv.name
    lua_dir.mkdir(parents=True, exist_ok=True)
    plans = [
        ("simple_root", [srv.simple_root()], {}, None),
        ("simple_html", [srv.simple_project(p) for p in urls["projects"]], {}, None),
        ("simple_json", [srv.simple_project(p) for p in urls["projects"]],
         {"Accept": SIMPLE_JSON}, SIMPLE_JSON),
        ("project_json", [srv.json_path(p) for p in urls["projects"]] if srv.json_path("x") else [],
         dict(srv.json_headers), "application/json"),
        ("download", urls["files"], {}, None),
    ]
    res["endpoints"] = {}
    srv.plans = {}
    for key, paths, headers, want_ct in plans:
        if not paths:
            res["endpoints"][key] = {"na": "no such endpoint"}
            continue
        ok, note = preflight(srv, paths, headers, want_ct)
        if not ok:
            log(f"{srv.name}: {key}: n/a ({note})")
            res["endpoints"][key] = {"na": note}
            continue
        lua = lua_dir / f"{key}.lua"
        write_lua(lua, paths, headers)
        srv.plans[key] = (lua, len(paths))


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def measure_reads(servers: list[Server], args, results: dict) -> None:
    """Interleave the servers: for each round and endpoint, every server is
    measured back to back (in an order that rotates each round), so that
    load changes on a shared machine hit them alike.  A row's figure is the
    median over the rounds."""
    runs: dict[str, dict[str, list[dict]]] = {s.name: {} for s in servers}
    for srv in servers:
        reset_hwm(srv.proc.pid)
    for rnd in range(args.rounds):
        log(f"reads: round {rnd + 1} of {args.rounds}")
        for key, _ in ENDPOINTS:
            k = rnd % len(servers) if servers else 0
            for srv in servers[k:] + servers[:k]:
                res = results[srv.name]
                if "error" in res or key not in srv.plans:
                    continue
                lua, nurls = srv.plans[key]
                try:
                    if srv.proc.poll() is not None:
                        raise BenchError(f"{srv.name} died (exit {srv.proc.returncode}); log:\n"
                                         + tail_file(srv.logfile))
                    if args.warmup > 0:
                        run_wrk(srv.base, lua, args.warmup, args)
                    w = run_wrk(srv.base, lua, args.duration, args)
                except BenchError as e:
                    res["error"] = str(e)
                    log(f"{srv.name}: ERROR: {e}")
                    continue
                w["urls"] = nurls
                w["loadavg"] = os.getloadavg()
                runs[srv.name].setdefault(key, []).append(w)
                bad = ""
                if w["non2xx"] or w["socket_errors"]:
                    bad = f"  !! non-2xx/3xx={w['non2xx']} socket errors={w['socket_errors']}"
                log(f"{srv.name:10s} {key:13s} {w['rps']:9.1f} req/s  p99 "
                    f"{w.get('p99_ms', 0):8.2f} ms  ({nurls} URLs){bad}")
    for srv in servers:
        res = results[srv.name]
        eps = res.setdefault("endpoints", {})
        for key, ws in runs[srv.name].items():
            agg = {
                "rps": _median([w["rps"] for w in ws]),
                "non2xx": sum(w["non2xx"] for w in ws),
                "socket_errors": sum(w["socket_errors"] for w in ws),
                "urls": ws[0]["urls"],
                "rounds": [{k: v for k, v in w.items()} for w in ws],
            }
            p99s = [w["p99_ms"] for w in ws if "p99_ms" in w]
            if p99s:
                agg["p99_ms"] = _median(p99s)
            eps[key] = agg
        if srv.proc is not None and srv.proc.poll() is None:
            mem = tree_mem(srv.proc.pid)
            res["read_hwm_kb"] = mem["hwm_kb"]
            res["rss_end_kb"] = mem["rss_kb"]
            res["nprocs"] = mem["nprocs"]
            res["peak_rss_kb"] = max(res.get("upload_hwm_kb", 0), res["read_hwm_kb"])


def big_file_test(srv: Server, args) -> dict:
    meta = make_big_wheel(args.work_dir, args.big_mb)
    path = args.work_dir / "bigwheel" / meta["filename"]
    pid = srv.proc.pid
    out: dict = {"size_mb": meta["size"] / 2**20}
    time.sleep(0.5)
    before = tree_mem(pid)
    out["rss_before_kb"] = before["rss_kb"]
    out["hwm_before_kb"] = before["hwm_kb"]
    # Baseline: the same request with a tiny wheel, so that per-request costs
    # (authentication, password hashing, framework) can be told apart from
    # memory that grows with the file.
    probe = make_probe_wheel(args.work_dir)
    reset_hwm(pid)
    with RssSampler(pid) as s:
        r = srv.upload(args.work_dir / "bigwheel" / probe["filename"], probe)
    if not 200 <= r.status < 300:
        raise BenchError(f"{srv.name}: probe upload failed: HTTP {r.status} {r.body[:300]!r}")
    out["rss_peak_small_kb"] = max(s.max_kb, tree_mem(pid)["hwm_kb"])
    time.sleep(0.5)
    out["rss_before_big_kb"] = tree_mem(pid)["rss_kb"]
    hwm_reset = reset_hwm(pid)
    out["hwm_reset"] = hwm_reset
    out["hwm_before_kb"] = tree_mem(pid)["hwm_kb"]
    log(f"{srv.name}: big file: uploading {meta['filename']} ({out['size_mb']:.0f} MiB)")
    with RssSampler(pid) as s:
        t0 = time.perf_counter()
        r = srv.upload(path, meta, timeout=args.big_timeout)
        out["upload_s"] = time.perf_counter() - t0
    out["upload_status"] = r.status
    out["rss_peak_upload_kb"] = s.max_kb
    if not 200 <= r.status < 300:
        raise BenchError(f"{srv.name}: big upload failed: HTTP {r.status} {r.body[:300]!r}")
    page = srv.simple_project(normalize(meta["name"]))
    r = fetch("GET", srv.base + page)
    links = [urllib.parse.urljoin(srv.base + page, h) for h, t in parse_links(r.body)
             if meta["filename"] in h or t == meta["filename"]]
    if r.status != 200 or not links:
        raise BenchError(f"{srv.name}: big file not on {page} (HTTP {r.status})")
    url = links[0].split("#")[0]
    log(f"{srv.name}: big file: downloading {url}")
    h = hashlib.sha256()
    got = [0]

    def sink(chunk):
        h.update(chunk)
        got[0] += len(chunk)

    with RssSampler(pid) as s:
        t0 = time.perf_counter()
        r = fetch("GET", url, timeout=args.big_timeout, sink=sink)
        out["download_s"] = time.perf_counter() - t0
    out["rss_peak_download_kb"] = s.max_kb
    if r.status != 200:
        raise BenchError(f"{srv.name}: big download failed: HTTP {r.status}")
    out["download_ok"] = h.hexdigest() == meta["sha256"] and got[0] == meta["size"]
    if not out["download_ok"]:
        log(f"{srv.name}: big file: DOWNLOAD MISMATCH ({got[0]} bytes)")
    time.sleep(0.5)
    after = tree_mem(pid)
    out["rss_after_kb"] = after["rss_kb"]
    out["hwm_after_kb"] = after["hwm_kb"]
    peak = max(out["rss_peak_upload_kb"], out["rss_peak_download_kb"], after["hwm_kb"])
    out["rss_peak_kb"] = peak
    out["growth_mb"] = (peak - out["rss_before_kb"]) / 1024
    out["growth_small_mb"] = (out["rss_peak_small_kb"] - out["rss_before_kb"]) / 1024
    out["met"] = out["growth_mb"] < args.big_limit_mb
    log(f"{srv.name}: big file: RSS before {out['rss_before_kb']/1024:.1f} MB, "
        f"peak {peak/1024:.1f} MB, after {out['rss_after_kb']/1024:.1f} MB "
        f"-> growth {out['growth_mb']:.1f} MB (target < {args.big_limit_mb} MB; the same "
        f"upload of a 2 KB wheel: {out['growth_small_mb']:.1f} MB); "
        f"upload {out['upload_s']:.1f}s, download {out['download_s']:.1f}s")
    return out


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

ORDER = ["cheeseshop", "devpi", "pypiserver"]


def fmt_rps(ep: dict | None) -> str:
    if ep is None:
        return "-"
    if "na" in ep:
        return "n/a"
    s = f"{ep['rps']:,.0f}" if ep["rps"] >= 100 else f"{ep['rps']:,.1f}"
    if "p99_ms" in ep:
        s += f" (p99 {ep['p99_ms']:.0f} ms)" if ep["p99_ms"] >= 10 else f" (p99 {ep['p99_ms']:.1f} ms)"
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
        cell = "failed" if v is None and "error" in results[s] else (
            "-" if v is None else f"{v:,.1f}")
        if nfail:
            cell += f" ({nfail} failed!)"
        cells.append(cell)
    cells += [fmt_ratio(ratio(nums.get("cheeseshop"), nums.get("devpi"))),
              fmt_ratio(ratio(nums.get("cheeseshop"), nums.get("pypiserver"))), ""]
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

    for key, label in (("peak_rss_kb", "peak RSS (MB)"), ("upload_hwm_kb", "  during upload (MB)"),
                       ("read_hwm_kb", "  during reads (MB)")):
        cells = [label]
        nums = {}
        for s in present:
            v = val(s, lambda r: r[key] / 1024)
            nums[s] = v
            cells.append("-" if v is None else f"{v:,.0f}")
        cells += [fmt_ratio(ratio(nums.get("cheeseshop"), nums.get("devpi"))),
                  fmt_ratio(ratio(nums.get("cheeseshop"), nums.get("pypiserver"))), ""]
        rows.append(cells)

    for s in present:
        r = results[s]
        if "error" in r:
            notes.append(f"{s}: FAILED: {r['error'].splitlines()[0]}")
        for key, label in ENDPOINTS:
            ep = r.get("endpoints", {}).get(key) or {}
            if "na" in ep:
                notes.append(f"{s}: {label}: n/a ({ep['na']})")
            if ep.get("non2xx") or ep.get("socket_errors"):
                notes.append(f"{s}: {label}: {ep.get('non2xx', 0)} non-2xx/3xx responses, "
                             f"{ep.get('socket_errors', 0)} socket errors (marked !)")
        up = r.get("upload") or {}
        if up.get("reused_from"):
            notes.append(f"{s}: data reused (--reuse-data): upload figures are from the run "
                         f"of {up['reused_from']}")
        if up.get("failed"):
            notes.append(f"{s}: {up['failed']} of {up['count']} concurrent uploads failed "
                         f"(retried one at a time: "
                         f"{'all ok' if not up.get('failed_after_retry') else 'still failing'}); "
                         f"first error: {up['errors'][0]}")
        if r.get("big_error"):
            notes.append(f"{s}: large-wheel test FAILED: {r['big_error'].splitlines()[0]}")
        if r.get("json_note") and s != "cheeseshop":
            notes.append(f"{s}: '/pypi/<p>/json' row measures {r['json_note']}")
    return head, rows, notes


def text_table(head, rows) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), sep] + [line(r) for r in rows])


def rst_table(head, rows) -> str:
    # rST simple table; the first column of a row must not be empty or start
    # with spaces, so sub-rows ("  during upload") get a "- " marker instead.
    rows = [["- " + r[0].strip() if r[0].startswith("  ") else r[0]] + r[1:] for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
    rule = " ".join("=" * w for w in widths)
    line = lambda cells: " ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([rule, line(head), rule] + [line(r) for r in rows] + [rule])


def target_line(rows) -> str:
    reads = [r for r in rows if r[-1] in ("yes", "NO", "n/a")]
    met = [r for r in reads if r[-1] == "yes"]
    verdict = "MET" if reads and len(met) == len(reads) else "NOT MET"
    return (f"Target (every cheeseshop read >= {TARGET_VS_DEVPI:g}x devpi's requests/s): "
            f"{verdict}, {len(met)} of {len(reads)} reads.")


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
            f"{b['growth_mb'] - b['growth_small_mb']:.1f} MB of the growth scales with the file.")
    return out


def machine_info(results: dict) -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        mem_gb = f"{int(mem) / 2**20:.0f} GiB"
    except (OSError, IndexError, ValueError):
        mem_gb = "?"
    wrk = run(["wrk", "-v"], check=False).stdout.splitlines()
    rev = "?"
    try:
        cp = run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], check=False)
        if cp.returncode == 0:
            rev = cp.stdout.strip()
            dirty = run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src",
                         "setup.cfg", "setup.py", "pyproject.toml"], check=False).stdout.strip()
            if dirty:
                rev += " + uncommitted changes"
    except BenchError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem_gb,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk[0].strip() if wrk else "?",
        "loadavg_at_start": os.getloadavg(),
        "cheeseshop_rev": rev,
    }


def write_docs(path: Path, results: dict, head, rows, notes, command: str) -> None:
    meta = results["_meta"]
    m = meta["machine"]
    lines = [
        "Benchmarks",
        "==========",
        "",
        "cheeseshop compared with pypiserver and devpi-server, measured by",
        "``benchmarks/compare.py`` (see ``benchmarks/README.md``).  The three",
        "servers ran on the same machine, bound to 127.0.0.1, with their default",
        "settings unless noted below; they were loaded one at a time, then their",
        "reads were measured interleaved.  The machine is small and shared, so",
        "absolute numbers are noisy: read the ratios.",
        "",
        f"Run on {meta['date']}.",
        "",
        "Command",
        "-------",
        "",
        "::",
        "",
        f"    {command}",
        "",
        "Workload",
        "--------",
        "",
        f"* Corpus: {meta['projects']} projects x {meta['releases']} releases, one small "
        f"wheel per release ({meta['files']} files), uploaded with {meta['upload_threads']} "
        "client threads through each server's upload API (legacy multipart ``file_upload``).",
        f"* Reads: ``wrk -c{meta['connections']} -t{meta['wrk_threads']} "
        f"-d{meta['duration']:g}s --latency`` after a {meta['warmup']:g}s warm-up, "
        "with a Lua script cycling over many URLs: every project's page for the",
        "  per-project rows, every file linked from the simple pages for downloads.",
        f"  {meta['rounds']} rounds; in each, the servers are measured back to back for one",
        "  endpoint before the next (their order rotating between rounds), so that",
        "  changes in the machine's load hit all three alike.  Cells show the median",
        "  requests/s and the median 99th percentile latency over the rounds.",
        "* Peak RSS: ``VmHWM`` of the server process (and children, if any), reset",
        "  between the upload and read phases; the table shows the larger.",
        f"* Target: every cheeseshop read >= {TARGET_VS_DEVPI:g}x devpi's requests/s.",
        "",
        "Results",
        "-------",
        "",
        rst_table(head, rows),
        "",
        target_line(rows),
        "",
    ]
    if notes:
        lines += ["Notes:", ""] + [f"* {n}" for n in notes] + [""]
    bigs = big_summary(results)
    if bigs:
        lines += ["Large upload", "------------", ""] + [f"* {b}" for b in bigs] + [""]
    lines += [
        "Setup of each server",
        "--------------------",
        "",
    ]
    for s in ORDER:
        r = results.get(s)
        if not r:
            continue
        lines.append(f"* **{s}** ({', '.join(f'{k} {v}' for k, v in r.get('versions', {}).items())}): "
                     f"uploads with {r.get('auth_note', '')}.")
    serve_args = meta.get("cheeseshop_serve_args") or ""
    lines += [
        "",
        "cheeseshop runs ``cheeseshop --data DIR serve --host 127.0.0.1 --port PORT"
        + (f" {serve_args}" if serve_args else "") + "``"
        + ("" if serve_args else " (one worker process, 8 threads: its defaults)") + ".",
        "pypiserver gets ``waitress`` installed so that bottle's ``auto`` server",
        "uses it instead of the single-threaded ``wsgiref``; it runs the",
        "``cached-dir`` backend (watchdog).  devpi-server runs with its defaults",
        "(``devpi-init --no-root-pypi``, one private volatile index, 50 threads,",
        "request logging on).",
        "",
        "Machine",
        "-------",
        "",
        f"* CPUs (nproc): {m['nproc']} ({m['cpu']})",
        f"* Memory: {m['memory']}",
        f"* Kernel: Linux {m['kernel']}",
        f"* Python: {m['python']}",
        f"* wrk: {m['wrk']}",
        f"* cheeseshop source: git {m.get('cheeseshop_rev', '?')}",
        "* Load average when the run started: "
        + ", ".join(f"{x:.2f}" for x in m.get("loadavg_at_start", ())),
        "",
    ]
    path.write_text("\n".join(lines))


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Compare cheeseshop, devpi-server and pypiserver (uploads, reads, memory).")
    p.add_argument("--work-dir", type=Path, default=DEFAULT_WORK,
                   help="venvs, corpus, data dirs and logs (default: benchmarks/.work)")
    p.add_argument("--projects", type=int, default=1000, help="projects in the corpus (1000)")
    p.add_argument("--releases", type=int, default=5, help="releases per project (5)")
    p.add_argument("--duration", type=float, default=10, help="wrk seconds per endpoint (10)")
    p.add_argument("--warmup", type=float, default=2,
                   help="unmeasured wrk seconds before each endpoint (2; 0 disables)")
    p.add_argument("--rounds", type=int, default=3,
                   help="read rounds; servers are interleaved in each, rows show the median (3)")
    p.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (2)")
    p.add_argument("--wrk-timeout", type=float, default=10, help="wrk --timeout seconds (10)")
    p.add_argument("--upload-threads", type=int, default=8, help="upload thread pool size (8)")
    p.add_argument("--max-urls", type=int, default=1000,
                   help="at most this many projects' pages (and their files) are cycled (1000)")
    p.add_argument("--servers", default="cheeseshop,devpi,pypiserver",
                   help="comma-separated subset of cheeseshop,devpi,pypiserver")
    p.add_argument("--big-mb", type=int, default=300,
                   help="size of the large-wheel test in MiB (300; 0 skips it)")
    p.add_argument("--big-servers", default="cheeseshop",
                   help="servers that get the large-wheel test (cheeseshop)")
    p.add_argument("--big-limit-mb", type=float, default=50,
                   help="target for server RSS growth during the large-wheel test (50)")
    p.add_argument("--big-timeout", type=float, default=600, help="seconds per big transfer")
    p.add_argument("--start-timeout", type=float, default=90,
                   help="seconds to wait for a server to answer (90)")
    p.add_argument("--cheeseshop-serve-args", default="", metavar="ARGS",
                   help="extra arguments for `cheeseshop serve`, e.g. '--workers 2'")
    p.add_argument("--devpi-auth", choices=("basic", "token"), default="basic",
                   help="devpi uploads: HTTP Basic with the password, verified with argon2 on "
                        "every request, as twine does (default), or devpi-client's login token "
                        "(X-Devpi-Auth)")
    p.add_argument("--reuse-data", action="store_true",
                   help="start each server on the data an earlier run of the same corpus "
                        "loaded, skipping the upload phase (its figures are carried over "
                        "and marked); for iterating on read performance")
    p.add_argument("--render", type=Path, metavar="RESULTS_JSON",
                   help="run nothing: print the table of a saved results file (and with "
                        "--write-docs write the docs page from it, with its original command)")
    p.add_argument("--reinstall", action="store_true", help="recreate the venvs")
    p.add_argument("--write-docs", action="store_true",
                   help="write docs/benchmarks.rst with the table, machine and command")
    p.add_argument("--docs-path", type=Path, default=REPO / "docs" / "benchmarks.rst",
                   help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    for s in args.servers:
        if s not in SERVERS:
            p.error(f"unknown server {s!r} (choose from {', '.join(SERVERS)})")
    args.big_servers = [s.strip() for s in args.big_servers.split(",") if s.strip()]
    if args.projects < 1 or args.releases < 1:
        p.error("--projects and --releases must be >= 1")
    return args


def render(args) -> int:
    results = json.loads(args.render.read_text())
    head, rows, notes = build_table(results)
    print(text_table(head, rows))
    print()
    for n in notes + big_summary(results) + [target_line(rows)]:
        print("* " + n)
    if args.write_docs:
        write_docs(args.docs_path, results, head, rows, notes, results["_meta"]["command"])
        print(f"wrote {args.docs_path}")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args)
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if not sys.platform.startswith("linux"):
        print("error: needs Linux (/proc for memory figures)", file=sys.stderr)
        return 2
    atexit.register(kill_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)

    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    command = "python3 benchmarks/compare.py" + (
        " " + shlex.join(sys.argv[1:] if argv is None else argv)
        if (sys.argv[1:] if argv is None else argv) else "")
    results: dict = {"_meta": {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "projects": args.projects, "releases": args.releases,
        "files": args.projects * args.releases,
        "duration": args.duration, "warmup": args.warmup,
        "connections": args.connections, "rounds": args.rounds,
        "cheeseshop_serve_args": args.cheeseshop_serve_args, "wrk_threads": args.wrk_threads,
        "upload_threads": args.upload_threads, "big_limit_mb": args.big_limit_mb,
        "command": command,
    }}
    failed = False
    try:
        results["_meta"]["machine"] = machine_info(results)
        cdir, manifest = make_corpus(work, args.projects, args.releases)
        order = [s for s in ORDER if s in args.servers]
        servers = [SERVERS[s](args, work) for s in order]
        loaded = []
        # Phase 1, one server at a time: install, start, upload, collect URLs.
        # Loaded servers stay up (idle) for the interleaved read phase.
        for srv in servers:
            r = results.setdefault(srv.name, {})
            try:
                srv.install()
                r["versions"] = srv.versions()
                load_server(srv, cdir, manifest, args, results)
                loaded.append(srv)
            except Exception as e:  # keep going with the other servers
                failed = True
                r["error"] = str(e) if isinstance(e, BenchError) else f"{type(e).__name__}: {e}"
                log(f"{srv.name}: ERROR: " + (str(e) if isinstance(e, BenchError)
                                              else traceback.format_exc()))
                srv.stop()
        # Phase 2: reads, all servers interleaved.
        measure_reads(loaded, args, results)
        # Phase 3: the large-wheel memory test.
        for srv in loaded:
            r = results[srv.name]
            if srv.name in args.big_servers and args.big_mb > 0 and "error" not in r:
                try:
                    r["big"] = big_file_test(srv, args)
                except Exception as e:
                    failed = True
                    r["big_error"] = str(e)
                    log(f"{srv.name}: big-file test ERROR: {e}")
        for srv in servers:
            srv.stop()
            if "error" in results[srv.name]:
                failed = True
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        kill_all()
        return 130
    except BenchError as e:
        log(f"ERROR: {e}")
        return 1
    finally:
        kill_all()

    head, rows, notes = build_table(results)
    print()
    print(f"cheeseshop vs devpi vs pypiserver: {args.projects} projects x {args.releases} "
          f"releases, wrk -c{args.connections} -t{args.wrk_threads} -d{args.duration:g}s, "
          f"{os.cpu_count()} CPUs")
    print()
    print(text_table(head, rows))
    print()
    for n in notes:
        print("* " + n)
    for b in big_summary(results):
        print("* " + b)
    print("* " + target_line(rows))

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    rpath = work / "results" / f"results-{stamp}.json"
    rpath.parent.mkdir(parents=True, exist_ok=True)
    rpath.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nraw results: {rpath}")
    if args.write_docs:
        write_docs(args.docs_path, results, head, rows, notes, command)
        print(f"wrote {args.docs_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        kill_all()
        sys.exit(130)

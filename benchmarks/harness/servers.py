"""The servers under test: how each is installed, started, given an upload
user, and which URLs its read rows use.  ``SERVERS`` maps a name to its
class; ``ORDER`` is the order servers are run and reported in."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shlex
import shutil
import subprocess
import time
from pathlib import Path

from .console import BenchError, log
from .http_client import Response, basic_auth, fetch, multipart
from .paths import REPO
from .processes import free_port, run, spawn, stop_process, tail_file
from .venvs import ensure_venv, venv_versions

USER = "bench"
EMAIL = "bench@example.invalid"
DEVPI_INDEX = "dev"


class Server:
    name = "?"
    dists: list[str] = []
    json_note = ""  # how the /pypi/<p>/json row was measured
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
    # Sent with every read (the URL checks and wrk's requests): a private
    # index's credentials.
    read_headers: dict[str, str] = {}
    upload_path = "/"

    def ready_path(self) -> str:
        return "/simple/"

    # -- lifecycle ---------------------------------------------------------
    def requirements(self) -> tuple[list[str], str]:
        raise NotImplementedError

    def install(self) -> None:
        reqs, extra = self.requirements()
        ensure_venv(
            self.venv, reqs, extra, self.args.reinstall, self.work / "logs" / f"pip-{self.name}.log"
        )

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
                raise BenchError(
                    f"{self.name} exited with code {self.proc.returncode} "
                    f"during start-up; log {self.logfile}:\n" + tail_file(self.logfile)
                )
            try:
                r = fetch("GET", self.base + self.ready_path(), timeout=5)
                if r.status < 500:
                    return
                last = f"HTTP {r.status}"
            except OSError as e:
                last = str(e)
            time.sleep(0.25)
        raise BenchError(
            f"{self.name} not ready after {self.args.start_timeout}s ({last}); "
            f"log {self.logfile}:\n" + tail_file(self.logfile)
        )

    def after_start(self) -> None:
        """Create the upload user (and index) once the server answers."""

    def after_restart(self) -> None:
        """Started again on data loaded by an earlier run (--reuse-data)."""

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            log(f"{self.name}: stopped")
            self.proc = None

    def restart(self) -> None:
        """The server process afresh on the same data: what a subclass's
        ``stop`` also tears down (a database, a storage server) stays."""
        Server.stop(self)
        self.start()
        self.after_restart()

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
        return fetch("POST", self.base + self.upload_path, headers=hdrs, body=body, timeout=timeout)


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

    def config_args(self) -> list[str]:
        """The `cheeseshop` options that say where its data lives."""
        return ["--data", str(self.data)]

    def command(self):
        return [
            self.bin("cheeseshop"),
            *self.config_args(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *shlex.split(self.args.cheeseshop_serve_args),
        ]

    def after_start(self):
        cp = run(
            [
                self.bin("cheeseshop"),
                *self.config_args(),
                "user",
                "add",
                USER,
                "--email",
                EMAIL,
                "--password-stdin",
            ],
            input=self.password + "\n",
            timeout=120,
            check=False,
            env=self.env(),
        )
        if cp.returncode != 0:
            raise BenchError("`cheeseshop user add` failed:\n" + (cp.stdout + cp.stderr)[-2000:])


class PyPIServer(Server):
    name = "pypiserver"
    dists = ["pypiserver", "watchdog", "passlib", "waitress"]
    json_note = "/<p>/json (pypiserver's own JSON route; it has no /pypi/<p>/json)"
    auth_note = (
        "htpasswd file (apr1/MD5, passlib) protecting 'update'; "
        "reads unauthenticated; cached-dir backend (watchdog)"
    )

    def requirements(self):
        # waitress: bottle's "auto" server picks waitress when importable; without
        # it pypiserver would fall back to the single-threaded wsgiref server.
        return ["pypiserver[cache]", "passlib", "waitress"], "v1"

    def prepare(self):
        super().prepare()
        (self.data / "packages").mkdir()
        code = (
            "import sys\n"
            "from passlib.apache import HtpasswdFile\n"
            "h = HtpasswdFile(sys.argv[1], new=True, default_scheme='apr_md5_crypt')\n"
            "h.set_password(sys.argv[2], sys.stdin.read().strip())\n"
            "h.save()\n"
        )
        run(
            [self.bin("python"), "-c", code, str(self.data / "htpasswd"), USER],
            input=self.password,
            timeout=60,
        )

    def command(self):
        return [
            self.bin("pypi-server"),
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--backend",
            "cached-dir",
            "--server",
            "auto",
            "--disable-fallback",
            "-a",
            "update",
            "-P",
            str(self.data / "htpasswd"),
            str(self.data / "packages"),
        ]

    def json_path(self, project):
        return f"/{project}/json"


class Devpi(Server):
    name = "devpi"
    dists = ["devpi-server", "devpi-client", "devpi-common", "waitress", "pyramid"]
    json_note = (
        f"/{USER}/{DEVPI_INDEX}/<p> with Accept: application/json (devpi's closest equivalent)"
    )
    api_headers = {"Content-Type": "application/json", "Accept": "application/json"}

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
        run(
            [self.bin("devpi-init"), "--serverdir", str(self.data / "server"), "--no-root-pypi"],
            timeout=300,
            env=self.env(),
        )

    def command(self):
        return [
            self.bin("devpi-server"),
            "--serverdir",
            str(self.data / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]

    def after_start(self):
        js = self.api_headers
        r = fetch(
            "PUT",
            f"{self.base}/{USER}",
            headers=js,
            body=json.dumps({"password": self.password, "email": EMAIL}).encode(),
        )
        if r.status not in (200, 201):
            raise BenchError(f"devpi: creating user failed: HTTP {r.status} {r.body[:300]!r}")
        auth = self.login()
        r = fetch(
            "PUT",
            self.base + self.index,
            headers={**js, "X-Devpi-Auth": auth},
            body=json.dumps({"type": "stage", "bases": [], "volatile": True}).encode(),
        )
        if r.status not in (200, 201):
            raise BenchError(f"devpi: creating index failed: HTTP {r.status} {r.body[:300]!r}")

    def login(self) -> str:
        r = fetch(
            "POST",
            f"{self.base}/+login",
            headers=self.api_headers,
            body=json.dumps({"user": USER, "password": self.password}).encode(),
        )
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
ORDER = ["cheeseshop", "devpi", "pypiserver"]

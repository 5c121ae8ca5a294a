"""Support code for tests/clients: real packaging clients against a running cheeseshop.

Every client (pip, uv, twine, poetry, pdm, build, stdlib distutils) runs as a
subprocess from a separate virtualenv (``$CHEESESHOP_CLIENTS_VENV``, default
``<repo>/.venv-clients``, created from ``requirements/clients.txt`` when it is
missing), isolated from the real user's configuration: a throw-away HOME and
caches, ``PIP_CONFIG_FILE=/dev/null``, ``UV_NO_CONFIG=1``, the null keyring.

The server is the real ``cheeseshop`` console script (``serve`` in the
foreground under waitress), one per test module and backend, on a free
loopback port: either the embedded default (``--data DIR``: SQLite and a files
folder) or a public-index setup (``-c INI``: a PostgreSQL database of its own
and a bucket of its own on the moto S3 server).  Every test makes its own
users and projects with unique names, so tests never depend on each other or
on their order.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from cheeseshop.log_output import FLUSH_SECONDS

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "requirements" / "clients.txt"

#: executables the clients venv must provide
CLIENT_SCRIPTS = ("pip", "uv", "twine", "poetry", "pdm")
#: modules the clients venv must provide (build backends run --no-isolation)
CLIENT_MODULES = (
    "build",
    "setuptools",
    "wheel",
    "hatchling",
    "pdm.backend",
    "poetry.core",
    "keyring",
)

#: environment variables of the real user that must not leak into a client
_LEAKY_PREFIXES = (
    "PIP_",
    "UV_",
    "POETRY_",
    "PDM_",
    "TWINE_",
    "HATCH_",
    "CONDA_",
    "PYTHON",
    "SETUPTOOLS_",
    "DISTUTILS_",
)
_LEAKY_NAMES = {
    "VIRTUAL_ENV",
    "PYENV_VERSION",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "SOURCE_DATE_EPOCH",
    "NETRC",
}
#: except these harmless ones
_KEEP = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}

SERVER_START_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 15.0
COMMAND_TIMEOUT = 300.0

#: servers currently running, so a failing command can show their log
_LIVE_SERVERS: list[Server] = []


# --------------------------------------------------------------------------
# running commands


@dataclasses.dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    @property
    def flat(self) -> str:
        """Output with all whitespace runs collapsed (clients wrap long lines)."""
        return " ".join(self.output.split())

    def describe(self) -> str:
        text = f"$ {' '.join(map(str, self.args))}\n-> exit {self.returncode}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        for server in _LIVE_SERVERS:
            text += f"\n--- server log ({server.url}), last lines ---\n{server.log_tail()}"
        return text


def run(args, *, env=None, cwd=None, input=None, check=True, timeout=COMMAND_TIMEOUT) -> Result:
    args = [str(a) for a in args]
    try:
        proc = subprocess.run(
            args,
            env=env,
            cwd=cwd,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"timed out after {timeout}s: {' '.join(args)}\nstdout: {exc.stdout}\nstderr: {exc.stderr}"
        )
    result = Result(args, proc.returncode, proc.stdout, proc.stderr)
    if check and result.returncode != 0:
        pytest.fail("command failed:\n" + result.describe(), pytrace=False)
    return result


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def utc_now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------
# the clients virtualenv


@dataclasses.dataclass
class ClientsVenv:
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name


def _clients_venv_complete(path: Path) -> bool:
    if not (path / "bin" / "python").exists():
        return False
    if not all((path / "bin" / s).exists() for s in CLIENT_SCRIPTS):
        return False
    probe = subprocess.run(
        [str(path / "bin" / "python"), "-c", "import " + ", ".join(CLIENT_MODULES)],
        capture_output=True,
    )
    return probe.returncode == 0


def _pinned(requirement: str) -> str:
    """The ``name==version`` line for *requirement* in requirements/clients.txt."""
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if re.match(rf"{re.escape(requirement)}\s*==", line, re.I):
            return line.replace(" ", "")
    return requirement


def clients_venv_path() -> Path:
    return Path(os.environ.get("CHEESESHOP_CLIENTS_VENV") or REPO / ".venv-clients").resolve()


def ensure_clients_venv(path: Path) -> ClientsVenv:
    """Create/complete the clients venv the way scripts/test.sh does.

    ``python3 -m venv`` when it is missing, then ``pip install -r
    requirements/clients.txt`` unless that exact file was already installed
    into it (a stamp holding the file's hash), so a bumped pin takes effect.
    """
    stamp = path / ".cheeseshop-clients-requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    current = stamp.read_text().strip() if stamp.exists() else None
    if current != wanted or not _clients_venv_complete(path):
        if not (path / "bin" / "python").exists():
            run([sys.executable, "-m", "venv", path], timeout=600)
        run([path / "bin" / "python", "-m", "pip", "install", "-r", REQUIREMENTS], timeout=1200)
        assert _clients_venv_complete(path), (
            f"{path} still lacks one of {CLIENT_SCRIPTS} / {CLIENT_MODULES}"
        )
        stamp.write_text(wanted + "\n")
    return ClientsVenv(path)


def ensure_wheelhouse(clients: ClientsVenv) -> Path:
    """A --find-links directory with setuptools and wheel wheels (see the build_deps_wheelhouse fixture)."""
    wheelhouse = clients.path / "cheeseshop-test-wheelhouse"
    wanted = ("setuptools", "wheel")
    if not all(list(wheelhouse.glob(f"{w}-*.whl")) for w in wanted):
        wheelhouse.mkdir(exist_ok=True)
        run(
            [
                clients.bin("pip"),
                "download",
                "--only-binary",
                ":all:",
                "--no-deps",
                "-d",
                wheelhouse,
            ]
            + [_pinned(w) for w in wanted],
            timeout=600,
        )
    return wheelhouse


# --------------------------------------------------------------------------
# the bandersnatch virtualenv (a mirroring client with an aiohttp stack of its
# own, kept apart from the other clients so that it cannot move their pins)

BANDERSNATCH_REQUIREMENTS = REPO / "requirements" / "bandersnatch.txt"


def bandersnatch_venv_path() -> Path:
    return Path(
        os.environ.get("CHEESESHOP_BANDERSNATCH_VENV") or REPO / ".venv-bandersnatch"
    ).resolve()


def ensure_bandersnatch_venv(path: Path) -> Path:
    """The ``bandersnatch`` executable of the venv at *path*, created (or
    brought up to date) from requirements/bandersnatch.txt the way
    scripts/test.sh does, with the same stamp as :func:`ensure_clients_venv`."""
    executable = path / "bin" / "bandersnatch"
    stamp = path / ".cheeseshop-bandersnatch-requirements.sha256"
    wanted = hashlib.sha256(BANDERSNATCH_REQUIREMENTS.read_bytes()).hexdigest()
    current = stamp.read_text().strip() if stamp.exists() else None
    if current != wanted or not executable.exists():
        if not (path / "bin" / "python").exists():
            run([sys.executable, "-m", "venv", path], timeout=600)
        run(
            [path / "bin" / "python", "-m", "pip", "install", "-r", BANDERSNATCH_REQUIREMENTS],
            timeout=1200,
        )
        assert executable.exists(), f"{path} has no bin/bandersnatch"
        stamp.write_text(wanted + "\n")
    return executable


# --------------------------------------------------------------------------
# the server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cheeseshop_command() -> list[str]:
    beside = Path(sys.executable).with_name("cheeseshop")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("cheeseshop")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from cheeseshop.cli import main; sys.exit(main())"]


@dataclasses.dataclass
class User:
    name: str
    password: str
    email: str


# --------------------------------------------------------------------------
# where an index keeps its state: the embedded data dir, or PostgreSQL + S3


#: fake credentials for the moto S3 server (it accepts any)
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
S3_REGION = "us-east-1"


class DataDirStore:
    """The embedded default: ``--data DIR`` (SQLite and a files folder)."""

    kind = "embedded"

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def cli_args(self) -> list[str]:
        return ["--data", str(self.data_dir)]

    @property
    def env(self) -> dict:
        return {}

    def snapshot(self) -> dict:
        db = self.data_dir / "cheeseshop.sqlite"
        counts = {}
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            for table in ("projects", "releases", "files"):
                counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
        files_dir = self.data_dir / "files"
        stored = (
            sorted(
                (str(p.relative_to(files_dir)), p.stat().st_size)
                for p in files_dir.rglob("*")
                if p.is_file()
            )
            if files_dir.exists()
            else []
        )
        return {**counts, "stored_files": stored}


def s3_client(endpoint_url: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=S3_REGION,
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def create_bucket(endpoint_url: str, tag: str = "e2e") -> str:
    """A new, empty bucket on the S3 server; its name."""
    name = f"cheeseshop-{tag}-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint_url).create_bucket(Bucket=name)
    return name


def list_bucket(endpoint_url: str, bucket: str) -> list[tuple[str, int]]:
    """(key, size) of every object in the bucket, sorted."""
    paginator = s3_client(endpoint_url).get_paginator("list_objects_v2")
    return sorted(
        (item["Key"], item["Size"])
        for page in paginator.paginate(Bucket=bucket)
        for item in page.get("Contents", [])
    )


class PostgresqlDatabase:
    """A database of its own on the PostgreSQL server: created empty by
    :meth:`create`, dropped (``WITH (FORCE)``) by :meth:`drop`."""

    def __init__(self, admin_url: str, tag: str = "e2e"):
        import sqlalchemy

        self._admin_url = sqlalchemy.engine.make_url(admin_url)
        self.name = f"{self._admin_url.database}_{tag}_{os.getpid()}_{uuid.uuid4().hex[:8]}".lower()
        self.url = self._admin_url.set(database=self.name).render_as_string(hide_password=False)

    def _admin(self):
        import sqlalchemy

        return sqlalchemy.create_engine(self._admin_url, isolation_level="AUTOCOMMIT")

    def create(self) -> PostgresqlDatabase:
        import sqlalchemy

        admin = self._admin()
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        except sqlalchemy.exc.OperationalError as exc:
            pytest.fail(
                f"PostgreSQL is not reachable at {self._admin_url!r}: run scripts/postgres.sh ({exc})"
            )
        finally:
            admin.dispose()
        return self

    def drop(self) -> None:
        admin = self._admin()
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            admin.dispose()

    def engine(self):
        import sqlalchemy

        return sqlalchemy.create_engine(self.url, poolclass=sqlalchemy.pool.NullPool)

    def query(self, sql: str, **params) -> list[tuple]:
        import sqlalchemy

        engine = self.engine()
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sqlalchemy.text(sql), params)]
        finally:
            engine.dispose()


class IniStore:
    """A public-index setup: ``-c INI`` naming a PostgreSQL database and an
    S3 bucket; the AWS credentials go to every cheeseshop process."""

    kind = "postgresql-s3"

    def __init__(
        self,
        directory: Path,
        database: PostgresqlDatabase,
        s3_endpoint: str,
        bucket: str,
        prefix: str = "packages",
        extra_settings: dict | None = None,
    ):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.database = database
        self.s3_endpoint = s3_endpoint
        self.bucket = bucket
        self.ini = self.directory / "cheeseshop.ini"
        settings = {
            "sqlalchemy.url": database.url,
            "cheeseshop.storage": "s3",
            "cheeseshop.storage.bucket": bucket,
            "cheeseshop.storage.prefix": prefix,
            "cheeseshop.storage.endpoint_url": s3_endpoint,
            "cheeseshop.storage.region": S3_REGION,
            "cheeseshop.token_key": secrets.token_urlsafe(32),
            **(extra_settings or {}),
        }
        lines = ["[app:main]", "use = egg:cheeseshop"]
        # the ini is read with interpolation: a literal % must be doubled
        lines += [f"{key} = {value.replace('%', '%%')}" for key, value in settings.items()]
        self.ini.write_text("\n".join(lines) + "\n")

    @property
    def cli_args(self) -> list[str]:
        return ["-c", str(self.ini)]

    @property
    def env(self) -> dict:
        # no real AWS configuration may leak in
        return {
            **S3_CREDENTIALS,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }

    def snapshot(self) -> dict:
        counts = {
            table: self.database.query(f"SELECT count(*) FROM {table}")[0][0]
            for table in ("projects", "releases", "files")
        }
        return {**counts, "stored_files": list_bucket(self.s3_endpoint, self.bucket)}


def cheeseshop_env(store: DataDirStore | IniStore) -> dict:
    """Environment for cheeseshop processes: ours, minus PYTHONPATH and any
    real AWS settings, plus what the store needs."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",) and not k.startswith("AWS_")
    }
    env.update(store.env)
    return env


class Server:
    """One ``cheeseshop [--data DIR | -c INI] serve`` process.

    *data_dir* holds the server's log (and, without *store*, the embedded
    index itself); *serve_args* are extra ``serve`` options (``--workers 2``);
    *extra_env* are settings for the server and its CLI as environment
    variables (``{"CHEESESHOP_READ_ACCESS": "authenticated"}``), which
    override the ini's.
    """

    def __init__(
        self,
        data_dir: Path,
        store: DataDirStore | IniStore | None = None,
        serve_args=(),
        extra_env: dict | None = None,
    ):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = store if store is not None else DataDirStore(self.data_dir)
        self.serve_args = [str(a) for a in serve_args]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.legacy_url = f"{self.url}/legacy/"
        self.simple_url = f"{self.url}/simple/"
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server.log"
        self.proc: subprocess.Popen | None = None
        self.env = {**cheeseshop_env(self.store), **(extra_env or {})}

    @property
    def backend(self) -> str:
        return self.store.kind

    # -- lifecycle

    def start(self) -> None:
        # appended to: a restarted server (see kill()) keeps the earlier log
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            cheeseshop_command()
            + self.store.cli_args
            + ["serve", "--host", "127.0.0.1", "--port", str(self.port), *self.serve_args],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )
        _LIVE_SERVERS.append(self)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                self.stop()
                pytest.fail(
                    f"cheeseshop serve exited with {self.proc.returncode} before answering:\n{self.log_tail(80)}",
                    pytrace=False,
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"cheeseshop serve did not answer on port {self.port} within {SERVER_START_TIMEOUT}s:\n{self.log_tail(80)}",
                    pytrace=False,
                )
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole server (every worker), as a crash or the OOM killer would."""
        if self in _LIVE_SERVERS:
            _LIVE_SERVERS.remove(self)
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own child's group
            self.proc.wait(SERVER_STOP_TIMEOUT)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        if self in _LIVE_SERVERS:
            _LIVE_SERVERS.remove(self)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own child's group
                self.proc.wait(SERVER_STOP_TIMEOUT)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def settled_log(self) -> str:
        """The server's log once the lines of the requests made so far are
        in it: the server writes them in batches, each within
        ``cheeseshop.log_output.FLUSH_SECONDS`` of its first line."""
        time.sleep(3 * FLUSH_SECONDS)
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- the admin CLI, against the same index (the server keeps running)

    def cli(self, *args, input=None, check=True) -> Result:
        return run(
            cheeseshop_command() + self.store.cli_args + [*args],
            env=self.env,
            input=input,
            check=check,
        )

    def add_user(
        self, name: str | None = None, password: str | None = None, email: str | None = None
    ) -> User:
        name = name or f"user{secrets.token_hex(4)}"
        # not starting with "-" (argparse would take it for an option), and with
        # a ":" in it, which Basic auth must split on the *first* colon only
        password = password or f"Pw:{secrets.token_urlsafe(12)}!"
        email = email or f"{name}@example.invalid"
        self.cli("user", "add", name, "--email", email, "--password-stdin", input=password + "\n")
        return User(name, password, email)

    def create_token(self, username: str, *options: str) -> str:
        """``cheeseshop token create USERNAME *options``: the token it prints."""
        out = self.cli("token", "create", username, *options).stdout
        token = out.strip()
        assert token.startswith("pypi-") and len(out.splitlines()) == 1, (
            f"token create should print only the token, got {out!r}"
        )
        return token

    def revoke_token(self, token_or_id: str) -> Result:
        return self.cli("token", "revoke", token_or_id)

    def yank(self, project: str, version: str, reason: str) -> Result:
        return self.cli("yank", project, version, "--reason", reason)

    def unyank(self, project: str, version: str) -> Result:
        return self.cli("unyank", project, version)

    # -- looking at it over HTTP, as a browser or script would

    def simple_url_with(self, username: str, password: str) -> str:
        """The simple index URL with credentials in it, percent-encoded as a user must."""
        userinfo = (
            f"{urllib.parse.quote(username, safe='')}:{urllib.parse.quote(password, safe='')}"
        )
        return self.simple_url.replace("http://", f"http://{userinfo}@", 1)

    def get(
        self, path: str, accept: str | None = None, auth: tuple[str, str] | None = None
    ) -> tuple[int, dict, bytes]:
        """GET *path*; *auth* is (username, password), sent as Basic credentials."""
        request = urllib.request.Request(urllib.parse.urljoin(self.url, path))
        if accept:
            request.add_header("Accept", accept)
        if auth:
            encoded = base64.b64encode(":".join(auth).encode()).decode()
            request.add_header("Authorization", f"Basic {encoded}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def project_json(self, project: str) -> dict:
        status, _, body = self.get(f"/pypi/{project}/json")
        assert status == 200, f"GET /pypi/{project}/json -> {status}: {body[:500]!r}"
        return json.loads(body)

    def simple_json(self, project: str) -> dict:
        status, headers, body = self.get(
            f"/simple/{project}/", accept="application/vnd.pypi.simple.v1+json"
        )
        assert status == 200, f"GET /simple/{project}/ (JSON) -> {status}: {body[:500]!r}"
        return json.loads(body)

    def simple_html(self, project: str = "") -> str:
        path = f"/simple/{project}/" if project else "/simple/"
        status, _, body = self.get(path, accept="text/html")
        assert status == 200, f"GET {path} -> {status}: {body[:500]!r}"
        return body.decode()

    # -- what is stored

    def snapshot(self) -> dict:
        """Row counts of projects/releases/files and the stored files, to compare around a rejected upload."""
        return self.store.snapshot()


# --------------------------------------------------------------------------
# an isolated environment for the clients


def isolated_env(home: Path, clients: ClientsVenv) -> dict:
    """Environment for client subprocesses: no real config, keyring, cache or venv leaks in."""
    for sub in (".config", ".cache", ".local/share", ".local/state"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k in _KEEP or not (k.startswith(_LEAKY_PREFIXES) or k in _LEAKY_NAMES)
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_STATE_HOME=str(home / ".local/state"),
        PATH=f"{clients.path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        # pip: PIP_CONFIG_FILE=/dev/null makes pip skip *all* config files
        PIP_CONFIG_FILE=os.devnull,
        PIP_CACHE_DIR=str(home / ".cache/pip"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        # uv
        UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(home / ".cache/uv"),
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        # poetry
        POETRY_CONFIG_DIR=str(home / ".config/pypoetry"),
        POETRY_CACHE_DIR=str(home / ".cache/pypoetry"),
        POETRY_DATA_DIR=str(home / ".local/share/pypoetry"),
        POETRY_KEYRING_ENABLED="false",
        # pdm: build with the clients venv (it has pdm-backend), never a new venv
        PDM_CACHE_DIR=str(home / ".cache/pdm"),
        PDM_CHECK_UPDATE="false",
        PDM_PYTHON=str(clients.python),
        # twine, keyring
        TWINE_NON_INTERACTIVE="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        # plain, unwrapped output
        NO_COLOR="1",
        TERM="dumb",
        COLUMNS="300",
    )
    return env


class Shell:
    """Runs the clients from the clients venv in the isolated environment."""

    def __init__(self, clients: ClientsVenv, env: dict, tmp_path: Path, wheelhouse_factory):
        self.clients = clients
        self.env = env
        self.tmp_path = tmp_path
        self._wheelhouse_factory = wheelhouse_factory
        self._venvs = 0

    def run(
        self, args, *, cwd=None, input=None, check=True, env=None, timeout=COMMAND_TIMEOUT
    ) -> Result:
        """*env* adds to the isolated environment; a None value removes that variable."""
        full_env = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        return run(args, env=full_env, cwd=cwd, input=input, check=check, timeout=timeout)

    def tool(self, name: str) -> str:
        return str(self.clients.bin(name))

    @property
    def wheelhouse(self) -> Path:
        return self._wheelhouse_factory()

    # -- fresh target environments

    def new_venv(self, label: str = "venv") -> Path:
        """A brand-new, empty virtualenv (no pip, no setuptools); returns its python."""
        self._venvs += 1
        path = self.tmp_path / f"{label}-{self._venvs}"
        self.run([self.clients.python, "-m", "venv", "--without-pip", path])
        return path / "bin" / "python"

    # -- installers

    def pip(self, target_python: Path, *args, check=True, env: dict | None = None) -> Result:
        """The clients venv's pip, installing into *target_python*'s environment."""
        return self.run(
            [self.clients.python, "-m", "pip", "--python", target_python, *args],
            check=check,
            env=env,
        )

    def pip_install(
        self,
        target_python: Path,
        server: Server,
        *requirements,
        extra=(),
        check=True,
        index_url: str | None = None,
        env: dict | None = None,
    ) -> Result:
        """*index_url* replaces the server's simple URL (e.g. one with credentials
        in it); *env* adds to the environment."""
        return self.pip(
            target_python,
            "install",
            "--index-url",
            index_url or server.simple_url,
            *extra,
            *requirements,
            check=check,
            env=env,
        )

    def uv_pip_install(
        self,
        target_python: Path,
        server: Server,
        *requirements,
        extra=(),
        check=True,
        index_url: str | None = None,
        env: dict | None = None,
    ) -> Result:
        """*index_url* replaces the server's simple URL; *env* adds to the environment."""
        return self.run(
            [
                self.tool("uv"),
                "pip",
                "install",
                "--python",
                target_python,
                "--index-url",
                index_url or server.simple_url,
                *extra,
                *requirements,
            ],
            check=check,
            env=env,
        )

    def installed_version(self, target_python: Path, distribution: str) -> str | None:
        code = textwrap.dedent(
            f"""
            import importlib.metadata as m
            try:
                print(m.version({distribution!r}))
            except m.PackageNotFoundError:
                print("-")
            """
        )
        out = self.run([target_python, "-c", code]).stdout.strip()
        return None if out == "-" else out

    def import_value(self, target_python: Path, module: str, attribute: str = "VERSION") -> str:
        """Import *module* in *target_python* (from its site-packages, not the cwd) and print an attribute."""
        return self.run(
            [target_python, "-I", "-c", f"import {module}; print({module}.{attribute})"],
            cwd=self.tmp_path,
        ).stdout.strip()

    # -- uploaders

    def twine_upload(
        self, server: Server, user: User | tuple[str, str], files, *extra, check=True
    ) -> Result:
        username, password = (user.name, user.password) if isinstance(user, User) else user
        return self.run(
            [
                self.tool("twine"),
                "upload",
                "--repository-url",
                server.legacy_url,
                "-u",
                username,
                "-p",
                password,
                *extra,
                *files,
            ],
            check=check,
        )


# --------------------------------------------------------------------------
# building test distributions (inside the tests, with the real build tools)


@dataclasses.dataclass
class Dist:
    name: str
    version: str
    module: str
    project_dir: Path
    sdist: Path
    wheel: Path | None

    @property
    def files(self) -> list[Path]:
        return [self.sdist] + ([self.wheel] if self.wheel else [])


BACKENDS = ("setuptools", "hatchling", "poetry", "pdm")


def _toml_str_list(items) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def write_project(
    root: Path,
    backend: str,
    name: str,
    version: str,
    *,
    dependencies=(),
    extras: dict[str, list[str]] | None = None,
    marker: str = "original",
) -> str:
    """Write a one-package project built by *backend*; returns the import name.

    The package exposes ``VERSION`` and ``MARKER`` so a test can tell, after
    installing, which upload it really got.
    """
    extras = extras or {}
    module = name.lower().replace("-", "_").replace(".", "_")
    root.mkdir(parents=True, exist_ok=True)
    (root / module).mkdir()
    (root / module / "__init__.py").write_text(f"VERSION = {version!r}\nMARKER = {marker!r}\n")
    readme = f"# {name}\n\nA test package uploaded by the cheeseshop client tests ({marker}).\n"
    (root / "README.md").write_text(readme)
    description = f"cheeseshop client test package built with {backend}"

    if backend == "setuptools":
        (root / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        )
        (root / "setup.py").write_text(
            textwrap.dedent(
                f"""\
                from setuptools import setup

                setup(
                    name={name!r},
                    version={version!r},
                    description={description!r},
                    long_description=open("README.md").read(),
                    long_description_content_type="text/markdown",
                    author="Cheeseshop Tests",
                    author_email="tests@example.invalid",
                    license="MIT",
                    packages=[{module!r}],
                    install_requires={list(dependencies)!r},
                    extras_require={extras!r},
                    python_requires=">=3.8",
                )
                """
            )
        )
        return module

    build_system = {
        "hatchling": ('["hatchling"]', "hatchling.build"),
        "poetry": ('["poetry-core>=2.0"]', "poetry.core.masonry.api"),
        "pdm": ('["pdm-backend"]', "pdm.backend"),
    }[backend]
    optional = "".join(f"{extra} = {_toml_str_list(reqs)}\n" for extra, reqs in extras.items())
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [project]
            name = {json.dumps(name)}
            version = {json.dumps(version)}
            description = {json.dumps(description)}
            readme = "README.md"
            requires-python = ">=3.8"
            authors = [{{name = "Cheeseshop Tests", email = "tests@example.invalid"}}]
            dependencies = {_toml_str_list(dependencies)}
            """
        )
        + ("\n[project.optional-dependencies]\n" + optional if optional else "")
        + f"\n[build-system]\nrequires = {build_system[0]}\nbuild-backend = {json.dumps(build_system[1])}\n"
    )
    return module


def build_project(sh: Shell, root: Path, backend: str) -> tuple[Path, Path]:
    """Build sdist + wheel of the project in *root* with the backend's own front end."""
    dist_dir = root / "dist"
    if backend in ("setuptools", "hatchling"):
        sh.run(
            [sh.clients.python, "-m", "build", "--no-isolation", "--outdir", dist_dir, root],
            cwd=root,
        )
    elif backend == "poetry":
        sh.run([sh.tool("poetry"), "build", "--no-interaction", "--output", dist_dir], cwd=root)
    elif backend == "pdm":
        sh.run([sh.tool("pdm"), "build", "--no-isolation", "--dest", dist_dir], cwd=root)
    else:  # pragma: no cover
        raise ValueError(backend)
    sdists = sorted(dist_dir.glob("*.tar.gz"))
    wheels = sorted(dist_dir.glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, (
        f"{backend} built {sorted(p.name for p in dist_dir.iterdir())}"
    )
    return sdists[0], wheels[0]


def assert_unchanged(before: dict, after: dict) -> None:
    assert after == before, (
        f"the index (rows or stored files) changed after a rejected upload:\nbefore: {before}\nafter:  {after}"
    )

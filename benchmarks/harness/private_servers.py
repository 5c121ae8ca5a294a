"""The servers of ``private_index.py``: each index in its private mode,
started beside the public one on the same data, the API tokens, and the
read modes (one column of the table: a server and the credentials its
reads send).

* cheeseshop: ``CHEESESHOP_READ_ACCESS=authenticated``; reads send a
  read-only API token (user ``__token__``) or the user's password.
* pypiserver: ``-a download,list,update -P htpasswd``: its password is
  checked (apr1 MD5, passlib) on every request.
"""

from __future__ import annotations

import subprocess

from .console import BenchError
from .http_client import basic_auth
from .processes import run
from .servers import USER, Cheeseshop, PyPIServer, Server

TOKEN_USER = "__token__"
PRIVATE_ENV = {"CHEESESHOP_READ_ACCESS": "authenticated"}


def own_dirs(srv: Server) -> Server:
    """Data and log under ``private-index/`` in the work dir: compare.py's
    loaded data dirs stay as they are."""
    srv.data = srv.work / "data" / "private-index" / srv.name
    srv.logfile = srv.work / "logs" / "private-index" / f"{srv.name}.log"
    return srv


def _private(cls, public: Server):
    """An instance of ``cls`` (a server class) in private mode on ``public``'s
    data, with ``public``'s install and upload password."""
    srv = own_dirs(cls(public.args, public.work))
    srv.venv, srv.data, srv.password = public.venv, public.data, public.password
    return srv


class _Private:
    """Mixed into the server's own class: cheeseshop with private reads."""

    name = "cheeseshop-private"

    def prepare(self):  # the public server's data, as it is
        pass

    def env(self):
        return {**super().env(), **PRIVATE_ENV}


def private_cheeseshop(public: Cheeseshop) -> Cheeseshop:
    return _private(type("PrivateCheeseshop", (_Private, type(public)), {}), public)


class PrivatePyPIServer(PyPIServer):
    name = "pypiserver-private"
    auth_note = "htpasswd file (apr1/MD5, passlib) protecting download, list and update"

    def prepare(self):
        pass

    def command(self):
        cmd = super().command()
        i = cmd.index("-a")
        cmd[i + 1] = "download,list,update"
        return cmd


def private_pypiserver(public: PyPIServer) -> PyPIServer:
    return _private(PrivatePyPIServer, public)


def create_token(srv: Cheeseshop, *, read_only: bool) -> str:
    """``cheeseshop token create bench [--read-only]``: the token it prints."""
    cmd = [srv.bin("cheeseshop"), *srv.config_args(), "token", "create", USER]
    cmd += ["--read-only"] if read_only else []
    cmd += ["--description", "benchmarks/private_index.py"]
    cp = run(cmd, timeout=120, check=False, env=srv.env())
    token = cp.stdout.strip()
    if cp.returncode != 0 or not token.startswith("pypi-"):
        raise BenchError("`cheeseshop token create` failed:\n" + (cp.stdout + cp.stderr)[-2000:])
    return token


class ReadMode:
    """One column of the reads table: a running server and the credentials
    sent with every read.  Everything else (URLs, process, log) is the
    server's, so ``reads.plan_reads``/``measure_reads`` take it as a server."""

    def __init__(self, name: str, label: str, server: Server, headers: dict[str, str]):
        self.name, self.label, self.server = name, label, server
        self.read_headers = headers
        self.plans: dict = {}

    def __getattr__(self, attr):
        return getattr(self.server, attr)

    @property
    def proc(self) -> subprocess.Popen | None:
        return self.server.proc


def token_headers(token: str) -> dict[str, str]:
    return {"Authorization": basic_auth(TOKEN_USER, token)}


def password_headers(srv: Server) -> dict[str, str]:
    return {"Authorization": basic_auth(USER, srv.password)}

"""``nginx_downloads.py``'s set-up: Debian's nginx in front of a
``cheeseshop serve``, with the block of docs/deployment.rst (the one
tests/system/test_nginx.py runs), and the cheeseshops behind it: one with
``cheeseshop.storage.accel_redirect`` on, its twin on the same data with it
off.  nginx runs as one process of the harness's (``master_process off``),
its pid, logs and temporary files in the work dir."""

from __future__ import annotations

import re
import shutil
import socket
import textwrap
import time
from pathlib import Path

from .console import BenchError, log
from .installed_cheeseshop import InstalledCheeseshop
from .paths import REPO
from .processes import free_port, run, spawn, tail_file

PREFIX = "/_stored/"
DEPLOYMENT = REPO / "docs" / "deployment.rst"
# The documented block's addresses and folder, replaced by the harness's.
DOCUMENTED = {
    "server 127.0.0.1:6543;": "server 127.0.0.1:{app_port};",
    "listen 127.0.0.1:8080;": "listen 127.0.0.1:{port};",
    "alias /srv/cheeseshop/files/;": "alias {files}/;",
}
MAIN = """\
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{block}
}}
"""


def documented_block() -> str:
    text = DEPLOYMENT.read_text()
    blocks = re.findall(r"\.\. code-block:: nginx\n\n((?:   .*\n|\n)+)", text)
    found = [b for b in blocks if f"location {PREFIX}" in b]
    if len(found) != 1:
        raise BenchError(f"{DEPLOYMENT}: no single nginx block with location {PREFIX}")
    return textwrap.dedent(found[0]).strip() + "\n"


class NginxFront:
    """One nginx in front of one cheeseshop ``app``."""

    def __init__(self, name: str, work: Path, app, files: Path):
        self.name = name
        self.dir = work / "nginx" / name
        self.app = app
        self.files = files
        self.port = 0
        self.proc = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logfile(self) -> Path:
        return self.dir / "error.log"

    def conf(self) -> str:
        block = documented_block()
        for documented, ours in DOCUMENTED.items():
            if block.count(documented) != 1:
                raise BenchError(f"{DEPLOYMENT}: the nginx block no longer has {documented}")
            ours = ours.format(port=self.port, app_port=self.app.port, files=self.files)
            block = block.replace(documented, ours)
        return MAIN.format(tmp=self.dir, block=textwrap.indent(block, "    "))

    def start(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise BenchError("nginx is not installed (apt-get install nginx)")
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.port = free_port()
        conf = self.dir / "nginx.conf"
        conf.write_text(self.conf())
        cmd = [nginx, "-p", str(self.dir), "-e", str(self.logfile), "-c", str(conf)]
        run([*cmd, "-t"], timeout=30)
        self.proc = spawn(cmd, logfile=self.dir / "stdout.log")
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(
                        f"nginx {self.name} did not start:\n" + tail_file(self.logfile)
                    ) from None
                time.sleep(0.05)
        log(f"nginx {self.name}: port {self.port} in front of {self.app.name} ({self.app.port})")


class FolderCheeseshop(InstalledCheeseshop):
    """cheeseshop on SQLite and a folder, named in an ini (``--data`` keeps
    no storage option but the folder); ``accel`` sets
    ``cheeseshop.storage.accel_redirect``."""

    accel = True

    def config_args(self) -> list[str]:
        return ["-c", str(self.ini)]

    @property
    def ini(self) -> Path:
        return self.data.parent / f"{self.name}.ini"

    @property
    def files(self) -> Path:
        return self.data / "files"

    def start(self) -> None:
        lines = ["[app:main]", "use = egg:cheeseshop", f"cheeseshop.data_dir = {self.data}"]
        if self.accel:
            lines.append(f"cheeseshop.storage.accel_redirect = {PREFIX}")
        self.ini.write_text("\n".join(lines) + "\n")
        super().start()


def _own_dirs(srv, name):
    srv.name = name
    srv.data = srv.work / "data" / "nginx-downloads" / "index"
    srv.logfile = srv.work / "logs" / "nginx-downloads" / f"{name}.log"
    return srv


def handing_over(args, work) -> FolderCheeseshop:
    return _own_dirs(FolderCheeseshop(args, work), "accel")


def sending_itself(accel: FolderCheeseshop) -> FolderCheeseshop:
    """The twin on ``accel``'s data with the setting off: downloads go
    through the application (and nginx proxies them)."""
    srv = _own_dirs(FolderCheeseshop(accel.args, accel.work), "app")
    srv.accel = False
    srv.password = accel.password
    return srv

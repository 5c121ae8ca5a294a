"""Debian's nginx in front of ``cheeseshop serve``, downloads handed to it by
``X-Accel-Redirect`` (``cheeseshop.storage.accel_redirect``).

nginx runs unprivileged-style, as one process of ours (``master_process
off``, ``daemon off``), on a free loopback port, with its pid, logs and
temporary files in the test's folder, and with the very block that
docs/deployment.rst shows: the test reads it from there and puts its own
ports and folder in.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import shutil
import socket
import subprocess
import textwrap
import time
import urllib.parse
from pathlib import Path

import pytest
from cheeseshop_e2e import DataDirStore, free_port

from tests.system.distfiles import MultipartUpload, make_wheel

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.rst"
# The documented block's addresses and folder, replaced by the test's.
DOCUMENTED = {
    "server 127.0.0.1:6543;": "server 127.0.0.1:{app_port};",
    "listen 127.0.0.1:8080;": "listen 127.0.0.1:{port};",
    "alias /srv/cheeseshop/files/;": "alias {files}/;",
}
PREFIX = "/_stored/"

# What the documented block leaves to the main configuration: here, paths of
# the test's own, so that nginx writes nothing outside it.
MAIN = """\
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 64; }}
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
    """The nginx block of the section on X-Accel-Redirect in the guide."""
    text = DEPLOYMENT.read_text()
    blocks = re.findall(r"\.\. code-block:: nginx\n\n((?:   .*\n|\n)+)", text)
    (block,) = [b for b in blocks if f"location {PREFIX}" in b]
    return textwrap.dedent(block).strip() + "\n"


def nginx_conf(tmp: Path, port: int, app_port: int, files: Path) -> str:
    block = documented_block()
    for documented, ours in DOCUMENTED.items():
        assert block.count(documented) == 1, f"{documented} is not in the guide's block"
        block = block.replace(documented, ours.format(port=port, app_port=app_port, files=files))
    return MAIN.format(tmp=tmp, block=textwrap.indent(block, "    "))


class Nginx:
    def __init__(self, tmp: Path, app_port: int, files: Path):
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = tmp / "nginx.conf"
        self.conf.write_text(nginx_conf(tmp, self.port, app_port, files))
        self.proc = None

    def start(self):
        command = [
            NGINX,
            "-p",
            str(self.tmp),
            "-e",
            str(self.tmp / "error.log"),
            "-c",
            str(self.conf),
        ]
        subprocess.run([*command, "-t"], check=True, capture_output=True)
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not self.answers():
            assert self.proc.poll() is None, self.error_log()
            assert time.monotonic() < deadline, "nginx did not answer\n" + self.error_log()
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # fast shutdown
            self.proc.wait(10)

    def error_log(self) -> str:
        path = self.tmp / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def request(self, path, method="GET", headers=None):
        """(status, headers, body) of one request."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


class DataDirIni(DataDirStore):
    """The embedded default's data folder, named in an ini beside the
    setting: ``--data`` alone keeps no storage option but the folder."""

    def __init__(self, data_dir: Path, **settings):
        super().__init__(data_dir)
        self.ini = self.data_dir / "cheeseshop.ini"
        lines = ["[app:main]", "use = egg:cheeseshop", f"cheeseshop.data_dir = {data_dir}"]
        lines += [f"{key} = {value}" for key, value in settings.items()]
        self.ini.write_text("\n".join(lines) + "\n")

    @property
    def cli_args(self) -> list[str]:
        return ["-c", str(self.ini)]


@pytest.fixture
def index(tmp_path, start_server):
    """(cheeseshop serve with the setting on, nginx in front, a user)."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: scripts/test.sh installs Debian's")
    store = DataDirIni(tmp_path / "index", **{"cheeseshop.storage.accel_redirect": PREFIX})
    server = start_server(store)
    nginx = Nginx(tmp_path / "nginx", server.port, store.data_dir / "files")
    nginx.start()
    try:
        yield server, nginx, server.add_user()
    finally:
        nginx.stop()


def access_line(server, path) -> str:
    """The application's access-log line of the last request for ``path``."""
    quoted = f'"GET {path} HTTP/1.'
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in server.log_tail(400).splitlines() if quoted in line]
        if lines:
            return lines[-1]
        assert time.monotonic() < deadline, f"no access-log line for {path}:\n{server.log_tail()}"
        time.sleep(0.05)


def test_downloads_through_nginx(tmp_path, index):
    server, nginx, user = index
    # A local version: "+" in the filename, percent-encoded in the hand-over.
    wheel = make_wheel(tmp_path / "dist", "accel-demo", "1.0+local.1", payload_mb=2)
    status, body = MultipartUpload(wheel, user.name, user.password).send(nginx.url)
    assert status == 200, body
    path = urllib.parse.quote(wheel.download_path)
    assert "%2B" in path

    status, headers, content = nginx.request(path)
    assert status == 200
    assert len(content) == wheel.size
    assert hashlib.sha256(content).hexdigest() == wheel.sha256
    assert headers["Content-Length"] == str(wheel.size)
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["ETag"] == f'"{wheel.sha256}"'
    assert headers["Cache-Control"] == "max-age=31536000, public, immutable"
    assert "X-Accel-Redirect" not in headers
    # Once each: nginx's own and the application's are not both sent.
    for name in ("Content-Type", "Content-Length", "ETag", "Cache-Control", "Accept-Ranges"):
        assert len(headers.get_all(name)) == 1, name
    # The application answered it, with an empty body: the bytes came from nginx.
    assert re.search(r'" 200 0 [0-9.]+s$', access_line(server, wheel.download_path))

    status, headers, content = nginx.request(path, headers={"Range": "bytes=100-1099"})
    assert status == 206
    assert headers["Content-Range"] == f"bytes 100-1099/{wheel.size}"
    assert content == wheel.path.read_bytes()[100:1100]
    # A resumed download names the ETag it started with: the application's.
    resumed = {"Range": "bytes=100-", "If-Range": f'"{wheel.sha256}"'}
    assert nginx.request(path, headers=resumed)[0] == 206
    changed = {"Range": "bytes=100-", "If-Range": '"another"'}
    assert nginx.request(path, headers=changed)[0] == 200

    status, headers, content = nginx.request(path, method="HEAD")
    assert (status, content) == (200, b"")
    assert headers["Content-Length"] == str(wheel.size)
    assert headers["ETag"] == f'"{wheel.sha256}"'

    status, headers, content = nginx.request(path, headers={"If-None-Match": f'"{wheel.sha256}"'})
    assert (status, content) == (304, b"")

    status, headers, metadata = nginx.request(path + ".metadata")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert b"Name: accel-demo\n" in metadata and b"Version: 1.0+local.1\n" in metadata
    assert headers["ETag"] == f'"{hashlib.sha256(metadata).hexdigest()}"'


def test_refusals_stay_in_the_application(tmp_path, index):
    server, nginx, user = index
    wheel = make_wheel(tmp_path / "dist", "accel-refused", "1.0")
    assert MultipartUpload(wheel, user.name, user.password).send(nginx.url)[0] == 200

    # A file the index does not have: the application's 404, its message.
    missing = wheel.download_path.replace("accel_refused-1.0", "accel_refused-2.0")
    status, headers, body = nginx.request(missing)
    assert status == 404
    assert headers["Server"].startswith("nginx")  # through nginx, but:
    assert f'"GET {missing} HTTP/1.' in access_line(server, missing)

    # The internal location is not reachable from outside, even for a stored key.
    status, headers, body = nginx.request(PREFIX + wheel.storage_key)
    assert status == 404
    assert f"GET {PREFIX}" not in server.log_tail(400)

"""Debian's Varnish in front of two cheeseshop workers, with the VCL the
deployment guide ships (docs/examples/cheeseshop.vcl): an unchanged page is
a cache hit, a publish is visible through Varnish at once (cheeseshop bans
the project's key after the commit), and files are kept as immutable."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from cheeseshop_e2e import free_port

from tests.system.distfiles import MultipartUpload, make_wheel

VCL = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cheeseshop.vcl"
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
JSON = "application/vnd.pypi.simple.v1+json"


class Varnish:
    def __init__(self, workdir: Path, port: int, backend_port: int):
        workdir.mkdir(parents=True)
        vcl = workdir / "cheeseshop.vcl"
        vcl.write_text(VCL.read_text().replace('"6543"', f'"{backend_port}"'))
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(workdir / "varnishd.log", "wb")
        # -j none: the test runs as whoever runs it, in its own tmp folders.
        self.proc = subprocess.Popen(
            [VARNISHD, "-F", "-j", "none", "-n", str(workdir / "work")]
            + ["-a", f"127.0.0.1:{port}", "-f", str(vcl), "-s", "malloc,32m"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail((workdir / "varnishd.log").read_text(), pytrace=False)
                time.sleep(0.1)

    def get(self, path, accept=None):
        request = urllib.request.Request(self.url + path)
        if accept:
            request.add_header("Accept", accept)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers, response.read()

    def stop(self):
        if self.proc.poll() is None:
            import os

            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


@pytest.fixture
def varnish_and_index(tmp_path, start_server):
    port = free_port()
    index = start_server(
        serve_args=("--workers", "2"),
        env={
            "CHEESESHOP_CDN_S_MAXAGE": "3600",
            "CHEESESHOP_PURGE": "varnish",
            "CHEESESHOP_PURGE_URL": f"http://127.0.0.1:{port}/",
        },
    )
    varnish = Varnish(tmp_path / "varnish", port, index.port)
    yield varnish, index
    varnish.stop()


def publish(index, tmp_path, user, version):
    wheel = make_wheel(tmp_path / "wheels", "cs-varnish", version)
    status, text = MultipartUpload(wheel, user.name, user.password).send(index.url)
    assert status == 200, text
    return wheel


def versions(varnish):
    headers, body = varnish.get("/simple/cs-varnish/", accept=JSON)
    return headers["X-Cache"], json.loads(body)["versions"]


def test_pages_are_hits_until_a_publish_purges_them(varnish_and_index, tmp_path):
    varnish, index = varnish_and_index
    user = index.add_user()
    publish(index, tmp_path, user, "1.0")
    assert versions(varnish) == ("MISS", ["1.0"])
    for _ in range(5):
        assert versions(varnish) == ("HIT", ["1.0"])
    html_headers, _ = varnish.get("/simple/cs-varnish/")
    assert html_headers["X-Cache"] == "MISS"  # another variant (Vary: Accept)
    root_headers, _ = varnish.get("/simple/")
    assert varnish.get("/simple/")[0]["X-Cache"] == "HIT"

    publish(index, tmp_path, user, "1.1")
    # Visible through Varnish at once: the upload's commit banned the keys.
    assert versions(varnish) == ("MISS", ["1.0", "1.1"])
    assert versions(varnish) == ("HIT", ["1.0", "1.1"])
    assert varnish.get("/simple/")[0]["X-Cache"] == "MISS"

    index.yank("cs-varnish", "1.1", "broken")
    headers, body = varnish.get("/simple/cs-varnish/", accept=JSON)
    assert headers["X-Cache"] == "MISS"
    assert [f["yanked"] for f in json.loads(body)["files"]] == [False, "broken"]


def test_files_are_kept_and_the_web_pages_are_not(varnish_and_index, tmp_path):
    varnish, index = varnish_and_index
    wheel = publish(index, tmp_path, index.add_user(), "2.0")
    _, body = varnish.get("/simple/cs-varnish/", accept=JSON)
    (entry,) = json.loads(body)["files"]
    # Links point where the request came in: through Varnish.
    assert entry["url"].startswith(varnish.url + "/packages/")
    path = entry["url"].removeprefix(varnish.url)
    first_headers, first = varnish.get(path)
    second_headers, second = varnish.get(path)
    assert first == second == wheel.path.read_bytes()
    assert (first_headers["X-Cache"], second_headers["X-Cache"]) == ("MISS", "HIT")
    for _ in range(2):
        headers, _ = varnish.get("/project/cs-varnish/")
        assert headers["X-Cache"] == "MISS"

"""pip and uv install through the pull-through cache: a cheeseshop whose
``cheeseshop.upstream`` is a second, real ``cheeseshop serve`` on loopback.

The cache runs with two workers on both backends (the embedded default, and
PostgreSQL + S3). Installs fetch each file from the upstream once, with the
bytes the upstream has; a project hosted by the cache is never mixed with
the upstream's of the same name; with the upstream stopped, what was cached
still installs."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import secrets
import urllib.request
from pathlib import Path

import pytest
from cheeseshop_e2e import Server, Shell, build_project, isolated_env, write_project
from conftest import SERVER_BACKENDS, running_server


@dataclasses.dataclass
class Upstream:
    server: Server
    app: str  # a project that depends on lib
    lib: str
    wheels: dict[str, Path]  # filename -> the built wheel

    def downloads_of(self, filename: str) -> int:
        log = self.server.settled_log()
        return sum(1 for line in log.splitlines() if "GET /packages/" in line and filename in line)


@pytest.fixture(scope="module")
def upstream(clients, tmp_path_factory) -> Upstream:
    base = tmp_path_factory.mktemp("upstream")
    server = Server(base / "data")
    server.start()
    try:
        sh = Shell(clients, isolated_env(base / "home", clients), base, lambda: None)
        owner = server.add_user()
        tag = secrets.token_hex(3)
        lib, app = f"cs-up-lib-{tag}", f"cs-up-app-{tag}"
        wheels = {}
        for name, deps in ((lib, ()), (app, (lib,))):
            write_project(base / name, "setuptools", name, "1.0", dependencies=deps)
            sdist, wheel = build_project(sh, base / name, "setuptools")
            sh.twine_upload(server, owner, [sdist, wheel])
            wheels[wheel.name] = wheel
        yield Upstream(server, app, lib, wheels)
    finally:
        server.stop()


@pytest.fixture(scope="module", params=SERVER_BACKENDS)
def cache(request, tmp_path_factory, upstream):
    with running_server(
        request,
        tmp_path_factory,
        extra_env={"CHEESESHOP_UPSTREAM": upstream.server.simple_url},
        serve_args=("--workers", "2"),
    ) as srv:
        yield srv


def test_pip_installs_an_upstream_project_and_its_dependency(cache, upstream, sh):
    python = sh.new_venv()
    result = sh.pip_install(python, cache, upstream.app, extra=("--no-cache-dir",))
    assert sh.installed_version(python, upstream.app) == "1.0", result.describe()
    assert sh.installed_version(python, upstream.lib) == "1.0"
    page = cache.simple_json(upstream.app)
    for entry in page["files"]:
        assert entry["url"].startswith(f"{cache.url}/cache/{upstream.app}/")
    # The bytes the cache serves are the upstream's, byte for byte.
    (wheel_entry,) = [f for f in page["files"] if f["filename"].endswith(".whl")]
    with urllib.request.urlopen(wheel_entry["url"]) as response:
        body = response.read()
    assert body == upstream.wheels[wheel_entry["filename"]].read_bytes()
    assert hashlib.sha256(body).hexdigest() == wheel_entry["hashes"]["sha256"]


def test_uv_installs_from_what_the_cache_keeps(cache, upstream, sh):
    before = {filename: upstream.downloads_of(filename) for filename in upstream.wheels}
    assert all(before.values())  # pip's install fetched them
    python = sh.new_venv()
    result = sh.uv_pip_install(python, cache, upstream.app, extra=("--no-cache",))
    assert sh.installed_version(python, upstream.app) == "1.0", result.describe()
    # Served from the cache's storage: not fetched again.
    assert {filename: upstream.downloads_of(filename) for filename in upstream.wheels} == before


def test_two_workers_fetch_a_new_file_once(cache, upstream, clients, tmp_path):
    sh = Shell(clients, isolated_env(tmp_path / "home", clients), tmp_path, lambda: None)
    owner = upstream.server.add_user()
    name = f"cs-up-burst-{secrets.token_hex(3)}"
    write_project(tmp_path / name, "setuptools", name, "1.0")
    _, wheel = build_project(sh, tmp_path / name, "setuptools")
    sh.twine_upload(upstream.server, owner, [wheel])
    (entry,) = cache.simple_json(name)["files"]

    def download(_):
        with urllib.request.urlopen(entry["url"], timeout=60) as response:
            return response.read()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(download, range(16)))
    assert bodies == [wheel.read_bytes()] * 16
    assert upstream.downloads_of(wheel.name) == 1


def test_a_project_hosted_here_shadows_the_upstreams(cache, upstream, sh, tmp_path, clients):
    upstream_sh = Shell(clients, isolated_env(tmp_path / "h1", clients), tmp_path, lambda: None)
    name = f"cs-up-shadow-{secrets.token_hex(3)}"
    write_project(tmp_path / "theirs", "setuptools", name, "9.0", marker="upstream")
    _, theirs = build_project(upstream_sh, tmp_path / "theirs", "setuptools")
    upstream_sh.twine_upload(upstream.server, upstream.server.add_user(), [theirs])
    write_project(tmp_path / "ours", "setuptools", name, "1.0", marker="ours")
    _, ours = build_project(upstream_sh, tmp_path / "ours", "setuptools")
    upstream_sh.twine_upload(cache, cache.add_user(), [ours])
    python = sh.new_venv()
    sh.pip_install(python, cache, name, extra=("--no-cache-dir",))
    assert sh.installed_version(python, name) == "1.0"
    module = name.replace("-", "_")
    assert sh.import_value(python, module, "MARKER") == "ours"
    assert json.dumps(cache.simple_json(name)).count("/cache/") == 0


def test_cached_projects_install_with_the_upstream_stopped(cache, upstream, sh):
    upstream.server.stop()
    try:
        python = sh.new_venv()
        result = sh.pip_install(python, cache, upstream.app, extra=("--no-cache-dir",))
        assert sh.installed_version(python, upstream.app) == "1.0", result.describe()
        status, _, body = cache.get("/simple/cs-never-cached-project/")
        assert status == 502, body[:300]
    finally:
        upstream.server.start()

"""bandersnatch mirrors the whole index, following it by XML-RPC or by the simple API.

The real ``bandersnatch mirror`` (its own venv, see requirements/bandersnatch.txt)
runs against a running index on both backends, with ``[mirror] api-method``
set to ``xmlrpc`` (``list_packages_with_serial`` then
``changelog_since_serial``) and to ``simple`` (the PEP 691 root's
``_last-serial`` per project). Either way it reads ``/pypi/<name>/json`` for
each project that changed and downloads the files it lists. The first run
must copy the whole index; after an upload, a yank and a removal, the second
run must fetch exactly the new files, mark the yank, and drop the removed
file from its pages (bandersnatch keeps the removed file's bytes on disk).

The configurations below are the ones docs/mirrors/bandersnatch.rst shows.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import urllib.parse
from pathlib import Path

import pytest
from cheeseshop_e2e import Dist, Shell, build_project, isolated_env, run, write_project

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
YANK_REASON = "broken on Tuesdays"

CONFIGURATION = """\
[mirror]
directory = {directory}
master = {master}
; only for an index served over plain HTTP (as the tests' is)
allow-non-https = true
api-method = {api_method}
json = true
release-files = true
simple-format = ALL
compare-method = hash
workers = 2
timeout = 10
global-timeout = 300
stop-on-error = true
"""

# a request line of the server's access log (cheeseshop.access_log)
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


@pytest.fixture(scope="module")
def dists(clients, tmp_path_factory):
    """dists(backend, name, version) -> Dist, each built once per module, so
    both backends publish the very same bytes."""
    base = tmp_path_factory.mktemp("bandersnatch-dists")
    sh = Shell(clients, isolated_env(base / "home", clients), base, lambda: None)
    built: dict[tuple[str, str], Dist] = {}

    def build(backend: str, name: str, version: str) -> Dist:
        if (name, version) not in built:
            root = base / f"{name}-{version}"
            module = write_project(root, backend, name, version)
            sdist, wheel = build_project(sh, root, backend)
            built[name, version] = Dist(name, version, module, root, sdist, wheel)
        return built[name, version]

    return build


class Mirror:
    """One bandersnatch mirror directory and the configuration that fills it."""

    def __init__(self, bandersnatch: Path, server, api_method: str, base: Path):
        self.bandersnatch = bandersnatch
        self.server = server
        self.directory = base / "mirror"
        self.conf = base / "bandersnatch.conf"
        self.conf.write_text(
            CONFIGURATION.format(directory=self.directory, master=server.url, api_method=api_method)
        )
        # no proxy may take the loopback requests, no user configuration leaks in
        self.env = {
            "PATH": str(bandersnatch.parent),
            "HOME": str(base / "home"),
            "LANG": "C.UTF-8",
        }

    def run(self) -> list[tuple[str, str, str]]:
        """``bandersnatch mirror``; the (method, target, status) of every
        request it made, read from the server's access log."""
        start = len(self.server.settled_log())
        result = run([self.bandersnatch, "-c", self.conf, "mirror"], env=self.env)
        assert "Traceback" not in result.output and " ERROR:" not in result.output, (
            result.describe()
        )
        lines = self.server.settled_log()[start:].splitlines()
        return [m.group("method", "target", "status") for m in map(ACCESS_LINE.search, lines) if m]

    @property
    def web(self) -> Path:
        return self.directory / "web"

    def stored_files(self) -> dict[str, Path]:
        """path below /packages/ -> the file bandersnatch stored there."""
        packages = self.web / "packages"
        return {p.relative_to(packages).as_posix(): p for p in packages.rglob("*") if p.is_file()}

    def simple_json(self, project: str) -> dict:
        return json.loads((self.web / "simple" / project / "index.v1_json").read_text())

    def simple_html(self, project: str) -> str:
        return (self.web / "simple" / project / "index.html").read_text()

    def serial(self) -> int:
        return int((self.directory / "status").read_text())


def index_state(server) -> tuple[int, dict[str, dict]]:
    """(the index's last serial, {project: its PEP 691 page}) over HTTP."""
    status, headers, body = server.get("/simple/", accept=SIMPLE_JSON)
    assert status == 200, body[:500]
    root = json.loads(body)
    pages = {}
    for project in root["projects"]:
        page = server.simple_json(project["name"])
        pages[page["name"]] = page
    return root["meta"]["_last-serial"], pages


def package_path(url: str) -> str:
    """The part of a file URL below /packages/, where bandersnatch stores it."""
    path = urllib.parse.urlsplit(url).path
    assert path.startswith("/packages/"), url
    return urllib.parse.unquote(path[len("/packages/") :])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(1 << 16):
            digest.update(block)
    return digest.hexdigest()


def assert_mirror_matches_index(mirror: Mirror, server, kept=()) -> None:
    """The mirror holds every file the index offers, byte for byte, and
    nothing else but the paths in *kept*; its simple pages list what the
    index's list, yanks included; it has reached the index's serial."""
    serial, pages = index_state(server)
    offered = {package_path(f["url"]): f for page in pages.values() for f in page["files"]}
    stored = mirror.stored_files()
    assert set(stored) == set(offered) | set(kept)
    for path, entry in offered.items():
        assert stored[path].stat().st_size == entry["size"], path
        assert sha256_file(stored[path]) == entry["hashes"]["sha256"], path

    mirrored_root = json.loads((mirror.web / "simple" / "index.v1_json").read_text())
    assert sorted(p["name"] for p in mirrored_root["projects"]) == sorted(pages)
    for name, page in pages.items():
        mirrored = mirror.simple_json(name)
        assert {f["filename"]: (f["hashes"]["sha256"], f["yanked"]) for f in mirrored["files"]} == {
            f["filename"]: (f["hashes"]["sha256"], bool(f["yanked"])) for f in page["files"]
        }
        assert int(mirrored["meta"]["_last-serial"]) == page["meta"]["_last-serial"]
        anchors = html_anchors(mirror.simple_html(name))
        assert sorted(anchors) == sorted(f["filename"] for f in page["files"])
        for f in page["files"]:
            href = f"../../packages/{package_path(f['url'])}#sha256={f['hashes']['sha256']}"
            assert anchors[f["filename"]]["href"] == href
            # PEP 691's yanked is False, True or the reason; PEP 592's data-yanked the reason
            reason = {False: None, True: ""}.get(f["yanked"], f["yanked"])
            assert anchors[f["filename"]].get("data-yanked") == reason
        # the JSON API document, as bandersnatch saved it for `bandersnatch verify`
        saved = json.loads((mirror.web / "json" / name).read_text())
        assert saved["last_serial"] == page["meta"]["_last-serial"]
    assert mirror.serial() == serial


def html_anchors(page: str) -> dict[str, dict[str, str]]:
    """{link text: its attributes} of a simple HTML page."""
    anchors = {}
    for attributes, text in re.findall(r"<a ([^>]*)>([^<]*)</a>", page):
        anchors[html.unescape(text)] = {
            key: html.unescape(value)
            for key, value in re.findall(r'([\w-]+)="([^"]*)"', attributes)
        }
    return anchors


def downloads(requests) -> list[str]:
    return sorted(target for method, target, _ in requests if target.startswith("/packages/"))


def json_reads(requests) -> list[str]:
    return sorted(
        target.split("/")[2]
        for method, target, _ in requests
        if re.fullmatch(r"/pypi/[^/]+/json", target)
    )


@pytest.mark.parametrize("api_method", ["xmlrpc", "simple"])
def test_bandersnatch_mirrors_and_follows_the_index(
    api_method, server, sh, user, dists, bandersnatch, tmp_path
):
    # names of their own per mode: both modes' tests publish on the same index
    alpha, beta, gamma = (f"bs-{api_method}-{n}" for n in ("alpha", "beta", "gamma"))
    published = [dists("setuptools", name, "1.0") for name in (alpha, beta, gamma)]
    for dist in published:
        sh.twine_upload(server, user, dist.files)

    mirror = Mirror(bandersnatch, server, api_method, tmp_path)
    first = mirror.run()
    assert_mirror_matches_index(mirror, server)
    stored = mirror.stored_files()
    for dist in published:
        for path in dist.files:
            (mirrored,) = [p for p in stored.values() if p.name == path.name]
            assert mirrored.read_bytes() == path.read_bytes()
    # every file once, and only by this run
    assert len(downloads(first)) == len(set(downloads(first))) == len(stored)

    # an upload, a yank, the removal of a file and of a project's only release
    newer = dists("setuptools", alpha, "1.1")
    sh.twine_upload(server, user, newer.files)
    server.yank(beta, "1.0", YANK_REASON)
    removed_wheel = published[0].wheel.name
    server.cli("remove", alpha, "1.0", "--file", removed_wheel, "--yes")
    server.cli("remove", gamma, "1.0", "--yes")
    removed = {p.name for p in [published[0].wheel, *published[2].files]}
    removed_paths = [path for path, p in stored.items() if p.name in removed]

    second = mirror.run()
    # exactly the new files were downloaded, and only the changed projects read
    assert sorted(urllib.parse.unquote(t).rsplit("/", 1)[1] for t in downloads(second)) == sorted(
        p.name for p in newer.files
    )
    assert json_reads(second) == [alpha, beta, gamma]
    xmlrpc_calls = [r for r in first + second if r[:2] == ("POST", "/pypi")]
    if api_method == "xmlrpc":
        assert len(xmlrpc_calls) == 2  # list_packages_with_serial, changelog_since_serial
    else:
        assert xmlrpc_calls == []
        assert ("GET", "/simple/", "200") in second

    # bandersnatch keeps the removed files' bytes, but no page links them any more
    assert len(removed_paths) == 3
    assert_mirror_matches_index(mirror, server, kept=removed_paths)
    assert removed_wheel not in mirror.simple_html(alpha)
    assert mirror.simple_json(gamma)["files"] == []
    assert html_anchors(mirror.simple_html(gamma)) == {}
    # the yank reached the mirror's pages
    beta_page = mirror.simple_json(beta)
    assert beta_page["files"] and all(f["yanked"] is True for f in beta_page["files"])
    assert mirror.simple_html(beta).count(f'data-yanked="{YANK_REASON}"') == 2


def test_the_documented_configurations_are_the_tested_ones():
    docs = (Path(__file__).resolve().parents[2] / "docs/mirrors/bandersnatch.rst").read_text()
    for api_method in ("xmlrpc", "simple"):
        tested = CONFIGURATION.format(
            directory="/srv/pypi", master="http://127.0.0.1:6543", api_method=api_method
        )
        block = ".. code-block:: ini\n\n" + "".join(f"   {line}\n" for line in tested.splitlines())
        assert block in docs, api_method

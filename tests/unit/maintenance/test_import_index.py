"""Importing projects from another index by its simple API: here a PEP 503
index of static HTML pages behind a real HTTP server (the links a
cheeseshop never writes: without hashes, with wrong ones). The functional
CLI tests import from a real ``cheeseshop serve`` (PEP 691 JSON)."""

import functools
import hashlib
import http.server
import threading

import pytest
from sqlalchemy import select

from cheeseshop.maintenance import importing, index_import
from cheeseshop.maintenance.importing import Outcome, Result
from cheeseshop.mirror import simple_pages
from cheeseshop.mirror.upstream_client import UpstreamClient
from cheeseshop.models.catalog import File, Release
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from tests import factories
from tests.factories import INSPECTION_LIMITS


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def upstream(tmp_path):
    """A folder served over HTTP on a free loopback port: (folder, base URL)."""
    root = tmp_path / "upstream"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def client(upstream):
    client = UpstreamClient(upstream[1] + "/simple/")
    yield client
    client.close()


@pytest.fixture
def importer(session_factory, settings):
    storage = storage_from_settings(load_settings(settings))
    return importing.Importer(session_factory, storage, INSPECTION_LIMITS, source="upstream")


def publish(upstream, project, links):
    """The project's page, linking ``links`` [(filename, bytes, fragment,
    attributes)]; the files under /files/."""
    root, _ = upstream
    (root / "files").mkdir(exist_ok=True)
    anchors = []
    for filename, content, fragment, attributes in links:
        (root / "files" / filename).write_bytes(content)
        anchors.append(f'<a href="../../files/{filename}{fragment}"{attributes}>{filename}</a>')
    page = root / "simple" / project
    page.mkdir(parents=True, exist_ok=True)
    (page / "index.html").write_text("<!DOCTYPE html><html><body>" + "".join(anchors) + "</body>")


def sha256(content):
    return "#sha256=" + hashlib.sha256(content).hexdigest()


def test_files_are_verified_against_the_page_and_the_yanked_state_is_kept(
    upstream, client, importer, engine, files_dir
):
    wheel, wheel_bytes = factories.distribution("demo", "1.0")
    sdist, sdist_bytes = factories.distribution("demo", "1.0", "sdist")
    tampered, tampered_bytes = factories.distribution("demo", "1.1")
    unhashed, unhashed_bytes = factories.distribution("demo", "1.2")
    publish(
        upstream,
        "demo",
        [
            (wheel, wheel_bytes, sha256(wheel_bytes), ""),
            (sdist, sdist_bytes, sha256(sdist_bytes), ' data-yanked="broken build"'),
            (tampered, tampered_bytes, sha256(b"the bytes the page promised"), ""),
            (unhashed, unhashed_bytes, "", ""),
            ("demo-1.0.win32.exe", b"MZ", "", ""),
        ],
    )

    report = index_import.import_projects(client, importer, ["Demo"])

    assert report.summary() == "imported 2, already there 0, conflicts 0, failed 2, skipped 1"
    assert report.problems == [
        Result(
            Outcome.FAILED,
            tampered,
            f"sha256 mismatch: the index's page says "
            f"{hashlib.sha256(b'the bytes the page promised').hexdigest()}, the bytes "
            f"downloaded have {hashlib.sha256(tampered_bytes).hexdigest()}; nothing kept",
        ),
        Result(
            Outcome.FAILED,
            unhashed,
            "the index's page gives no sha256 for it, so its bytes cannot be verified",
        ),
        Result(
            Outcome.SKIPPED, "demo-1.0.win32.exe", "not a wheel or an sdist (.whl, .tar.gz, .zip)"
        ),
    ]
    with engine.connect() as connection:
        assert sorted(connection.execute(select(File.filename)).scalars()) == [wheel, sdist]
        assert connection.execute(select(Release.yanked, Release.yanked_reason)).all() == [
            (True, "broken build")
        ]
    assert len(factories.stored_files(files_dir)) == 3  # two files, the wheel's .metadata


def test_a_second_run_downloads_nothing_it_has_and_takes_a_later_yank(
    upstream, client, importer, engine, snapshot
):
    wheel, wheel_bytes = factories.distribution("demo", "1.0")
    publish(upstream, "demo", [(wheel, wheel_bytes, sha256(wheel_bytes), "")])
    assert index_import.import_projects(client, importer, ["demo"]).complete
    before = snapshot()

    # Yanked upstream since; and its bytes are gone: only the page is read.
    publish(upstream, "demo", [(wheel, wheel_bytes, sha256(wheel_bytes), " data-yanked")])
    (upstream[0] / "files" / wheel).unlink()
    report = index_import.import_projects(client, importer, ["demo"])

    assert report.summary() == "imported 0, already there 1, conflicts 0, failed 0, skipped 0"
    with engine.connect() as connection:
        assert connection.execute(select(Release.yanked, Release.yanked_reason)).all() == [
            (True, "")
        ]
    counts, stored = snapshot()
    assert stored == before[1]
    assert counts["files"] == before[0]["files"]


def test_a_page_whose_sha256_differs_from_the_index_file_is_a_conflict(
    upstream, client, importer, snapshot
):
    wheel, wheel_bytes = factories.distribution("demo", "1.0")
    publish(upstream, "demo", [(wheel, wheel_bytes, sha256(wheel_bytes), "")])
    index_import.import_projects(client, importer, ["demo"])
    before = snapshot()
    other = factories.distribution("demo", "1.0", summary="rebuilt")[1]
    publish(upstream, "demo", [(wheel, other, sha256(other), "")])

    report = index_import.import_projects(client, importer, ["demo"])

    assert [(r.outcome, r.source) for r in report.problems] == [(Outcome.CONFLICT, wheel)]
    assert snapshot() == before


def test_every_project_of_the_root_page_and_a_missing_one(upstream, client, importer):
    root, _ = upstream
    wheel, wheel_bytes = factories.distribution("demo", "1.0")
    publish(upstream, "demo", [(wheel, wheel_bytes, sha256(wheel_bytes), "")])
    (root / "simple" / "index.html").write_text(
        '<html><body><a href="demo/">demo</a>\n<a href="gone/">Gone</a></body></html>'
    )

    names = client.project_names()
    report = index_import.import_projects(client, importer, names)

    assert names == ["demo", "Gone"]
    assert report.summary() == "imported 1, already there 0, conflicts 0, failed 1, skipped 0"
    assert report.problems == [
        Result(Outcome.FAILED, "Gone", f"no such project on {client.index_url}")
    ]


def test_the_json_root_page_lists_its_projects():
    body = b'{"meta": {"api-version": "1.1"}, "projects": [{"name": "Demo"}, {"name": "b"}, {}]}'
    assert simple_pages.parse_root(body, simple_pages.JSON) == ["Demo", "b"]
    with pytest.raises(simple_pages.PageError, match="no list of projects"):
        simple_pages.parse_root(b'{"files": []}', simple_pages.JSON)

"""The simple repository API as pip, uv and other installers read it:
PEP 503 (HTML), 691 (JSON and content negotiation), 700 (versions, size,
upload-time), 592 (yanking), 658/714 (core metadata), 792 (project status)."""

import datetime
import hashlib
import html
import io
import re
import urllib.parse
import zipfile

import pytest

from cheeseshop.catalog import projects, releases
from tests import factories
from tests.factories import upload

V1_JSON = "application/vnd.pypi.simple.v1+json"
LATEST_JSON = "application/vnd.pypi.simple.latest+json"
V1_HTML = "application/vnd.pypi.simple.v1+html"
JSON = {"Accept": V1_JSON}


@pytest.fixture
def published(testapp, alice):
    """Demo.Pkg 1.0: a wheel and an sdist, requiring Python >=3.8."""
    metadata = factories.metadata_text("Demo.Pkg", "1.0", requires_python=">=3.8")
    wheel = factories.wheel("Demo.Pkg", "1.0", metadata=metadata)
    sdist = factories.sdist("Demo.Pkg", "1.0", pkg_info=metadata)
    upload(testapp, alice, "Demo.Pkg", "1.0", kind="wheel", content=wheel, requires_python=">=3.8")
    upload(testapp, alice, "Demo.Pkg", "1.0", kind="sdist", content=sdist, requires_python=">=3.8")
    return {"wheel": wheel, "sdist": sdist, "metadata": metadata.encode()}


def path_of(url):
    return urllib.parse.urlsplit(url).path


def files_by_name(document):
    return {f["filename"]: f for f in document["files"]}


def anchors(page):
    """{filename: {attribute: value}} of a PEP 503 page's links."""
    found = {}
    for attrs, text in re.findall(r"<a ([^>]*)>([^<]*)</a>", page):
        found[html.unescape(text)] = {
            k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', attrs)
        }
    return found


def test_html_is_the_default(testapp, published):
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "text/html"}):
        response = testapp.get("/simple/demo-pkg/", headers=headers)
        assert response.content_type == "text/html", headers
        assert response.charset.lower() == "utf-8"
    assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]
    assert '<meta name="pypi:repository-version" content="1.4">' in response.text
    links = anchors(response.text)
    assert set(links) == {"demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"}
    wheel = links["demo_pkg-1.0-py3-none-any.whl"]
    assert wheel["href"].endswith(
        "/demo_pkg-1.0-py3-none-any.whl#sha256=" + hashlib.sha256(published["wheel"]).hexdigest()
    )
    assert wheel["data-requires-python"] == ">=3.8"
    assert "&gt;=3.8" in response.text  # escaped in the attribute
    metadata_hash = "sha256=" + hashlib.sha256(published["metadata"]).hexdigest()
    assert wheel["data-core-metadata"] == metadata_hash
    assert wheel["data-dist-info-metadata"] == metadata_hash
    sdist = links["demo_pkg-1.0.tar.gz"]
    assert "data-core-metadata" not in sdist and "data-dist-info-metadata" not in sdist
    assert "data-yanked" not in wheel and "data-yanked" not in sdist

    root = testapp.get("/simple/")
    assert root.content_type == "text/html"
    assert anchors(root.text) == {"Demo.Pkg": {"href": "demo-pkg/"}}


NEGOTIATION = [
    (V1_JSON, V1_JSON),
    (LATEST_JSON, V1_JSON),
    (V1_HTML, V1_HTML),
    ("application/vnd.pypi.simple.latest+html", V1_HTML),
    (f"text/html;q=0.5, {V1_JSON};q=0.9", V1_JSON),
    (f"text/html;q=0.9, {V1_JSON};q=0.5", "text/html"),
    (f"{V1_JSON};q=0.1, application/xml", V1_JSON),
]


def test_content_negotiation(testapp, published):
    for accept, media_type in NEGOTIATION:
        for url in ("/simple/demo-pkg/", "/simple/"):
            response = testapp.get(url, headers={"Accept": accept})
            assert response.content_type == media_type, (url, accept)
            assert "Accept" in [v.strip() for v in response.headers["Vary"].split(",")]
            if media_type == V1_JSON:
                assert response.json["meta"]["api-version"] == "1.4"
            else:
                assert "<!DOCTYPE html>" in response.text


def test_format_parameter_wins_over_accept(testapp, published):
    response = testapp.get(
        "/simple/demo-pkg/", {"format": V1_JSON}, headers={"Accept": "text/html"}
    )
    assert response.content_type == V1_JSON
    assert response.json["name"] == "demo-pkg"
    response = testapp.get("/simple/demo-pkg/", {"format": "text/html"}, headers=JSON)
    assert response.content_type == "text/html"
    response = testapp.get("/simple/demo-pkg/", {"format": "application/xml"}, status=406)
    assert "application/xml" in response.status


def test_unacceptable_accept_is_406(testapp, published):
    for url in ("/simple/demo-pkg/", "/simple/"):
        response = testapp.get(url, headers={"Accept": "application/xml"}, status=406)
        assert V1_JSON in response.status  # says what is served


def test_json_root_lists_projects_with_serials(testapp, alice, published):
    upload(testapp, alice, "other", "0.1")
    response = testapp.get("/simple/", headers=JSON)
    assert response.content_type == V1_JSON
    document = response.json
    serial = int(response.headers["X-PyPI-Last-Serial"])
    assert document["meta"] == {"api-version": "1.4", "_last-serial": serial}
    projects = {p["name"]: p["_last-serial"] for p in document["projects"]}
    assert set(projects) == {"Demo.Pkg", "other"}
    assert projects["other"] == serial  # the newest change
    assert 0 < projects["Demo.Pkg"] < serial
    demo = testapp.get("/simple/demo-pkg/", headers=JSON)
    assert int(demo.headers["X-PyPI-Last-Serial"]) == projects["Demo.Pkg"]


def test_json_project_page(testapp, published):
    before = datetime.datetime.now(datetime.UTC)
    response = testapp.get("/simple/demo-pkg/", headers=JSON)
    document = response.json
    assert document["meta"] == {
        "api-version": "1.4",
        "_last-serial": int(response.headers["X-PyPI-Last-Serial"]),
    }
    assert document["name"] == "demo-pkg"
    assert document["versions"] == ["1.0"]
    assert document["project-status"] == {"status": "active"}
    files = files_by_name(document)
    assert set(files) == {"demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"}
    for filename, kind in (
        ("demo_pkg-1.0-py3-none-any.whl", "wheel"),
        ("demo_pkg-1.0.tar.gz", "sdist"),
    ):
        entry = files[filename]
        content = published[kind]
        assert entry["hashes"] == {"sha256": hashlib.sha256(content).hexdigest()}
        assert entry["size"] == len(content)
        assert entry["requires-python"] == ">=3.8"
        assert entry["yanked"] is False
        assert path_of(entry["url"]).endswith("/" + filename)
        uploaded = datetime.datetime.fromisoformat(entry["upload-time"])
        assert entry["upload-time"].endswith("Z")
        assert abs(uploaded - before) < datetime.timedelta(minutes=5)
        assert testapp.get(path_of(entry["url"])).body == content
    wheel, sdist = files["demo_pkg-1.0-py3-none-any.whl"], files["demo_pkg-1.0.tar.gz"]
    advertised = {"sha256": hashlib.sha256(published["metadata"]).hexdigest()}
    assert wheel["core-metadata"] == advertised
    assert wheel["data-dist-info-metadata"] == advertised
    assert sdist["core-metadata"] is False
    assert sdist["data-dist-info-metadata"] is False


def test_core_metadata_file_is_the_wheels_metadata(testapp, published):
    files = files_by_name(testapp.get("/simple/demo-pkg/", headers=JSON).json)
    wheel = files["demo_pkg-1.0-py3-none-any.whl"]
    served = testapp.get(path_of(wheel["url"]) + ".metadata")
    assert hashlib.sha256(served.body).hexdigest() == wheel["core-metadata"]["sha256"]
    with zipfile.ZipFile(io.BytesIO(published["wheel"])) as archive:
        assert served.body == archive.read("demo_pkg-1.0.dist-info/METADATA")
    testapp.get(path_of(files["demo_pkg-1.0.tar.gz"]["url"]) + ".metadata", status=404)


def test_yanked_release_is_marked_and_unyanking_clears_it(testapp, published, dbsession, tm):
    with tm:
        releases.yank(dbsession, "Demo.Pkg", "1.0", reason="broken <build>")
    for link in anchors(testapp.get("/simple/demo-pkg/").text).values():
        assert link["data-yanked"] == "broken <build>"
    for entry in testapp.get("/simple/demo-pkg/", headers=JSON).json["files"]:
        assert entry["yanked"] == "broken <build>"

    with tm:
        releases.unyank(dbsession, "demo-pkg", "1.0")
    with tm:
        releases.yank(dbsession, "demo-pkg", "1.0")  # no reason given
    for link in anchors(testapp.get("/simple/demo-pkg/").text).values():
        assert link["data-yanked"] == ""
    for entry in testapp.get("/simple/demo-pkg/", headers=JSON).json["files"]:
        assert entry["yanked"] is True

    with tm:
        releases.unyank(dbsession, "demo-pkg", "1.0")
    for link in anchors(testapp.get("/simple/demo-pkg/").text).values():
        assert "data-yanked" not in link
    for entry in testapp.get("/simple/demo-pkg/", headers=JSON).json["files"]:
        assert entry["yanked"] is False


def test_etag_and_serial_revalidation(testapp, alice, published, dbsession, tm):
    pages = [
        ("/simple/demo-pkg/", {}),
        ("/simple/demo-pkg/", JSON),
        ("/simple/", {}),
        ("/simple/", JSON),
    ]

    def etags():
        found = {}
        for url, headers in pages:
            response = testapp.get(url, headers=headers)
            assert response.headers["X-PyPI-Last-Serial"].isdigit()
            etag = response.headers["ETag"]
            not_modified = testapp.get(url, headers={**headers, "If-None-Match": etag}, status=304)
            assert not_modified.body == b""
            assert not_modified.headers["ETag"] == etag
            found[url, tuple(headers.items())] = etag
        return found

    first = etags()
    # The HTML and the JSON of one page are different representations.
    assert first["/simple/demo-pkg/", ()] != first["/simple/demo-pkg/", tuple(JSON.items())]
    assert first["/simple/", ()] != first["/simple/", tuple(JSON.items())]

    upload(testapp, alice, "Demo.Pkg", "1.1")
    second = etags()
    for key in first:
        assert first[key] != second[key], key
        url, headers = key
        stale = testapp.get(url, headers={**dict(headers), "If-None-Match": first[key]})
        assert stale.status_int == 200

    with tm:
        releases.yank(dbsession, "demo-pkg", "1.1", reason="oops")
    third = etags()
    for key in (("/simple/demo-pkg/", ()), ("/simple/demo-pkg/", tuple(JSON.items()))):
        assert third[key] != second[key], key


def test_head_answers_like_get_without_a_body(testapp, published):
    get = testapp.get("/simple/demo-pkg/", headers=JSON)
    head = testapp.head("/simple/demo-pkg/", headers=JSON)
    assert head.status_int == 200
    assert head.body == b""
    for header in ("Content-Type", "ETag", "X-PyPI-Last-Serial"):
        assert head.headers[header] == get.headers[header]


def test_names_are_redirected_to_their_normal_form(testapp, published):
    response = testapp.get("/simple/Demo_Pkg/", {"format": V1_JSON}, status=301)
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert location.path == "/simple/demo-pkg/"
    assert urllib.parse.parse_qs(location.query) == {"format": [V1_JSON]}
    assert response.follow().json["name"] == "demo-pkg"
    response = testapp.get("/simple/DEMO.pkg/", status=301)
    assert urllib.parse.urlsplit(response.headers["Location"]).path == "/simple/demo-pkg/"


def test_urls_without_a_trailing_slash_are_redirected(testapp, published):
    """PEP 503: pages live at URLs ending in '/', and the others redirect
    there (the root's links are relative: served at /simple they would point
    to /<project>/)."""
    response = testapp.get("/simple", status=301)
    assert urllib.parse.urlsplit(response.headers["Location"]).path == "/simple/"
    response = testapp.get("/simple/demo-pkg", {"format": V1_JSON}, status=301)
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert location.path == "/simple/demo-pkg/"
    assert urllib.parse.parse_qs(location.query) == {"format": [V1_JSON]}


def test_unknown_project_is_404(testapp, published):
    testapp.get("/simple/no-such-project/", status=404)
    testapp.get("/simple/no-such-project/", headers=JSON, status=404)


def test_quarantined_project_offers_nothing(testapp, published, dbsession, tm):
    file_urls = [
        path_of(f["url"]) for f in testapp.get("/simple/demo-pkg/", headers=JSON).json["files"]
    ]
    with tm:
        projects.set_status(dbsession, "demo-pkg", "quarantined", reason="malware report")
    page = testapp.get("/simple/demo-pkg/").text
    assert anchors(page) == {}
    assert '<meta name="pypi:project-status" content="quarantined">' in page
    assert '<meta name="pypi:project-status-reason" content="malware report">' in page
    document = testapp.get("/simple/demo-pkg/", headers=JSON).json
    assert document["files"] == []
    assert document["versions"] == []
    assert document["project-status"] == {"status": "quarantined", "reason": "malware report"}
    for url in file_urls:
        testapp.get(url, status=404)
        testapp.get(url + ".metadata", status=404)


def test_archived_project_keeps_its_files(testapp, published, dbsession, tm):
    with tm:
        projects.set_status(dbsession, "demo-pkg", "archived", reason="finished")
    page = testapp.get("/simple/demo-pkg/").text
    assert '<meta name="pypi:project-status" content="archived">' in page
    assert '<meta name="pypi:project-status-reason" content="finished">' in page
    assert set(anchors(page)) == {"demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"}
    document = testapp.get("/simple/demo-pkg/", headers=JSON).json
    assert document["project-status"] == {"status": "archived", "reason": "finished"}
    assert document["versions"] == ["1.0"]
    for entry in document["files"]:
        assert (
            testapp.get(path_of(entry["url"])).body
            == published["wheel" if entry["filename"].endswith(".whl") else "sdist"]
        )

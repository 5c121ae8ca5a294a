"""pypi.org's JSON API: ``/pypi/<project>/json`` and
``/pypi/<project>/<version>/json``, in the shape tools that read pypi.org
expect."""

import datetime
import hashlib
import urllib.parse

import pytest

from cheeseshop.catalog import releases
from tests import factories
from tests.factories import upload

# What pypi.org's ``info`` has; clients index it without checking.
PYPI_INFO_KEYS = {
    "author",
    "author_email",
    "bugtrack_url",
    "classifiers",
    "description",
    "description_content_type",
    "docs_url",
    "download_url",
    "downloads",
    "dynamic",
    "home_page",
    "keywords",
    "license",
    "license_expression",
    "license_files",
    "maintainer",
    "maintainer_email",
    "name",
    "package_url",
    "platform",
    "project_url",
    "project_urls",
    "provides_extra",
    "release_url",
    "requires_dist",
    "requires_python",
    "summary",
    "version",
    "yanked",
    "yanked_reason",
}
PYPI_FILE_KEYS = {
    "comment_text",
    "digests",
    "downloads",
    "filename",
    "has_sig",
    "md5_digest",
    "packagetype",
    "python_version",
    "requires_python",
    "size",
    "upload_time",
    "upload_time_iso_8601",
    "url",
    "yanked",
    "yanked_reason",
}


@pytest.fixture
def published(testapp, alice):
    """Demo.Pkg 1.0 (wheel and sdist), 2.0 (wheel) and 3.0a1 (wheel), each
    with the summary "Demo <version>": {filename: bytes}."""
    uploads = [
        (
            "1.0",
            "wheel",
            {
                "author": "A. Author",
                "author_email": "a@example.org",
                "description": "Demo\n====\n\nThe *first* one.",
                "classifiers": "Programming Language :: Python :: 3",
            },
        ),
        ("1.0", "sdist", {}),
        (
            "2.0",
            "wheel",
            {
                "requires_python": ">=3.9",
                "requires_dist": "packaging>=24",
                "description": "# Demo 2\n",
                "description_content_type": "text/markdown",
                "project_urls": "Source, https://example.org/demo",
            },
        ),
        ("3.0a1", "wheel", {}),
    ]
    contents = {}
    for version, kind, fields in uploads:
        fields["summary"] = f"Demo {version}"
        filename, content = factories.distribution("Demo.Pkg", version, kind, **fields)
        upload(testapp, alice, "Demo.Pkg", version, filename=filename, content=content, **fields)
        contents[filename] = content
    return contents


def path_of(url):
    return urllib.parse.urlsplit(url).path


def test_project_document_shape(testapp, published):
    before = datetime.datetime.now(datetime.UTC)
    response = testapp.get("/pypi/demo-pkg/json")
    assert response.content_type == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.json
    assert {"info", "last_serial", "releases", "urls", "vulnerabilities"} <= set(document)
    assert document["last_serial"] == int(response.headers["X-PyPI-Last-Serial"])
    assert document["vulnerabilities"] == []
    assert set(document["releases"]) == {"1.0", "2.0", "3.0a1"}
    assert [f["filename"] for f in document["releases"]["1.0"]] == [
        "demo_pkg-1.0-py3-none-any.whl",
        "demo_pkg-1.0.tar.gz",
    ]

    info = document["info"]
    assert PYPI_INFO_KEYS <= set(info)
    # The newest final release: 3.0a1 is a pre-release.
    assert info["version"] == "2.0"
    assert info["name"] == "Demo.Pkg"
    assert info["summary"] == "Demo 2.0"
    assert info["description"] == "# Demo 2\n"
    assert info["description_content_type"] == "text/markdown"
    assert info["requires_python"] == ">=3.9"
    assert info["requires_dist"] == ["packaging>=24"]
    assert info["project_urls"] == {"Source": "https://example.org/demo"}
    assert path_of(info["package_url"]) == "/project/demo-pkg/"
    assert path_of(info["project_url"]) == "/project/demo-pkg/"
    assert path_of(info["release_url"]) == "/project/demo-pkg/2.0/"
    assert info["yanked"] is False and info["yanked_reason"] is None

    assert [f["filename"] for f in document["urls"]] == ["demo_pkg-2.0-py3-none-any.whl"]
    for version, files in document["releases"].items():
        for entry in files:
            assert PYPI_FILE_KEYS <= set(entry)
            content = published[entry["filename"]]
            assert entry["digests"] == {
                "md5": hashlib.md5(content).hexdigest(),
                "sha256": hashlib.sha256(content).hexdigest(),
                "blake2b_256": hashlib.blake2b(content, digest_size=32).hexdigest(),
            }
            assert entry["md5_digest"] == entry["digests"]["md5"]
            assert entry["size"] == len(content)
            if entry["filename"].endswith(".whl"):
                assert (entry["packagetype"], entry["python_version"]) == ("bdist_wheel", "py3")
            else:
                assert (entry["packagetype"], entry["python_version"]) == ("sdist", "source")
            assert entry["requires_python"] == (">=3.9" if version == "2.0" else None)
            assert entry["yanked"] is False and entry["yanked_reason"] is None
            uploaded = datetime.datetime.fromisoformat(entry["upload_time_iso_8601"])
            assert entry["upload_time_iso_8601"].endswith("Z")
            assert abs(uploaded - before) < datetime.timedelta(minutes=5)
            assert entry["upload_time"] == uploaded.strftime("%Y-%m-%dT%H:%M:%S")
            assert testapp.get(path_of(entry["url"])).body == content


def test_release_document(testapp, published):
    response = testapp.get("/pypi/demo-pkg/1.0/json")
    document = response.json
    assert {"info", "last_serial", "urls", "vulnerabilities"} <= set(document)
    assert document["last_serial"] == int(response.headers["X-PyPI-Last-Serial"])
    info = document["info"]
    assert PYPI_INFO_KEYS <= set(info)
    assert info["version"] == "1.0"
    assert info["summary"] == "Demo 1.0"
    assert info["author"] == "A. Author"
    assert info["author_email"] == "a@example.org"
    assert info["classifiers"] == ["Programming Language :: Python :: 3"]
    assert info["description"] == "Demo\n====\n\nThe *first* one."
    assert path_of(info["release_url"]) == "/project/demo-pkg/1.0/"
    assert sorted(f["filename"] for f in document["urls"]) == [
        "demo_pkg-1.0-py3-none-any.whl",
        "demo_pkg-1.0.tar.gz",
    ]
    prerelease = testapp.get("/pypi/demo-pkg/3.0a1/json").json
    assert prerelease["info"]["version"] == "3.0a1"
    assert [f["filename"] for f in prerelease["urls"]] == ["demo_pkg-3.0a1-py3-none-any.whl"]


def test_unknown_project_or_version_is_404(testapp, published):
    testapp.get("/pypi/demo-pkg/9.9/json", status=404)
    testapp.get("/pypi/demo-pkg/not-a-version/json", status=404)
    testapp.get("/pypi/no-such-project/json", status=404)
    testapp.get("/pypi/no-such-project/1.0/json", status=404)


def test_non_normalized_name_is_redirected(testapp, published):
    response = testapp.get("/pypi/Demo_Pkg/json", status=301)
    assert path_of(response.headers["Location"]) == "/pypi/demo-pkg/json"
    response = testapp.get("/pypi/DEMO.PKG/2.0/json", status=301)
    assert path_of(response.headers["Location"]) == "/pypi/demo-pkg/2.0/json"


def test_yanking_moves_info_and_marks_the_files(testapp, published, dbsession, tm):
    old = testapp.get("/pypi/demo-pkg/json")
    with tm:
        releases.yank(dbsession, "demo-pkg", "2.0", reason="broken wheel")
    response = testapp.get("/pypi/demo-pkg/json", headers={"If-None-Match": old.headers["ETag"]})
    assert response.status_int == 200  # the document changed
    assert response.headers["ETag"] != old.headers["ETag"]
    document = response.json
    assert document["last_serial"] > old.json["last_serial"]
    # Neither the yanked 2.0 nor the pre-release: 1.0.
    assert document["info"]["version"] == "1.0"
    assert sorted(f["filename"] for f in document["urls"]) == [
        "demo_pkg-1.0-py3-none-any.whl",
        "demo_pkg-1.0.tar.gz",
    ]
    (yanked_file,) = document["releases"]["2.0"]
    assert yanked_file["yanked"] is True
    assert yanked_file["yanked_reason"] == "broken wheel"
    assert all(not f["yanked"] for f in document["releases"]["1.0"])
    release = testapp.get("/pypi/demo-pkg/2.0/json").json
    assert release["info"]["yanked"] is True
    assert release["info"]["yanked_reason"] == "broken wheel"
    assert release["urls"][0]["yanked"] is True

    # Every final release yanked: the newest release that is not.
    with tm:
        releases.yank(dbsession, "demo-pkg", "1.0")
    assert testapp.get("/pypi/demo-pkg/json").json["info"]["version"] == "3.0a1"


def test_revalidation_with_etag(testapp, published):
    for url in ("/pypi/demo-pkg/json", "/pypi/demo-pkg/1.0/json"):
        response = testapp.get(url)
        etag = response.headers["ETag"]
        not_modified = testapp.get(url, headers={"If-None-Match": etag}, status=304)
        assert not_modified.body == b""

"""The simple API's pages as pure functions of the database state."""

import datetime
import json

import pytest

from cheeseshop.models.catalog import Project
from cheeseshop.rendering import simple_index as index
from tests import factories

FILES_URL = "https://files.example.org/packages/"
UPLOADED = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
WHEEL_SHA = "a" * 64
METADATA_SHA = "b" * 64
SDIST_SHA = "c" * 64


def project(status="active", reason=None):
    return factories.project("Demo.Pkg", last_serial=42, status=status, status_reason=reason)


def files(yanked=False, reason=""):
    return [
        index.SimpleFile(
            "demo_pkg-1.0-py3-none-any.whl",
            "ab/cd/ef/demo_pkg-1.0-py3-none-any.whl",
            WHEEL_SHA,
            ">=3.8",
            METADATA_SHA,
            1234,
            UPLOADED,
            yanked,
            reason,
        ),
        index.SimpleFile(
            "demo_pkg-1.0.tar.gz",
            "12/34/56/demo_pkg-1.0.tar.gz",
            SDIST_SHA,
            None,
            None,
            999,
            UPLOADED,
            yanked,
            reason,
        ),
    ]


def test_render_project_html():
    page = index.render_project_html(project(), ["1.0"], files(), FILES_URL)
    assert page.decode() == (
        "<!DOCTYPE html>\n"
        "<html>\n"
        "  <head>\n"
        '    <meta name="pypi:repository-version" content="1.4">\n'
        '    <meta name="pypi:project-status" content="active">\n'
        "    <title>Links for demo-pkg</title>\n"
        "  </head>\n"
        "  <body>\n"
        "    <h1>Links for demo-pkg</h1>\n"
        '    <a href="https://files.example.org/packages/ab/cd/ef/demo_pkg-1.0-py3-none-any.whl'
        f'#sha256={WHEEL_SHA}" data-requires-python="&gt;=3.8" '
        f'data-dist-info-metadata="sha256={METADATA_SHA}" '
        f'data-core-metadata="sha256={METADATA_SHA}">demo_pkg-1.0-py3-none-any.whl</a><br />\n'
        '    <a href="https://files.example.org/packages/12/34/56/demo_pkg-1.0.tar.gz'
        f'#sha256={SDIST_SHA}">demo_pkg-1.0.tar.gz</a><br />\n'
        "  </body>\n"
        "</html>\n"
    )


def test_render_project_html_yanked_and_status():
    page = index.render_project_html(
        project("archived", 'see "demo2" & <others>'), ["1.0"], files(True, "bad <one>"), FILES_URL
    ).decode()
    assert '<meta name="pypi:project-status" content="archived">' in page
    assert (
        '<meta name="pypi:project-status-reason" content="see &quot;demo2&quot; &amp; &lt;others&gt;">'
        in page
    )
    assert page.count('data-yanked="bad &lt;one&gt;"') == 2
    unexplained = index.render_project_html(project(), ["1.0"], files(True, ""), FILES_URL).decode()
    assert unexplained.count('data-yanked=""') == 2


def test_render_project_json():
    document = json.loads(index.render_project_json(project(), ["1.0"], files(), FILES_URL))
    assert document == {
        "meta": {"api-version": "1.4", "_last-serial": 42},
        "name": "demo-pkg",
        "versions": ["1.0"],
        "files": [
            {
                "filename": "demo_pkg-1.0-py3-none-any.whl",
                "url": FILES_URL + "ab/cd/ef/demo_pkg-1.0-py3-none-any.whl",
                "hashes": {"sha256": WHEEL_SHA},
                "requires-python": ">=3.8",
                "core-metadata": {"sha256": METADATA_SHA},
                "data-dist-info-metadata": {"sha256": METADATA_SHA},
                "yanked": False,
                "size": 1234,
                "upload-time": "2024-05-06T07:08:09.123456Z",
            },
            {
                "filename": "demo_pkg-1.0.tar.gz",
                "url": FILES_URL + "12/34/56/demo_pkg-1.0.tar.gz",
                "hashes": {"sha256": SDIST_SHA},
                "requires-python": None,
                "core-metadata": False,
                "data-dist-info-metadata": False,
                "yanked": False,
                "size": 999,
                "upload-time": "2024-05-06T07:08:09.123456Z",
            },
        ],
        "project-status": {"status": "active"},
    }
    yanked = json.loads(
        index.render_project_json(
            project("deprecated", "use other"), ["1.0"], files(True, "broken"), FILES_URL
        )
    )
    assert [f["yanked"] for f in yanked["files"]] == ["broken", "broken"]
    assert yanked["project-status"] == {"status": "deprecated", "reason": "use other"}
    no_reason = json.loads(index.render_project_json(project(), ["1.0"], files(True), FILES_URL))
    assert [f["yanked"] for f in no_reason["files"]] == [True, True]


def test_root_pages():
    projects = [("a-b", "A_B", 3), ("demo-pkg", "Demo.Pkg", 7)]
    assert b"".join(index.iter_root_html(iter(projects))).decode() == (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta name="pypi:repository-version" content="1.4">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
        '    <a href="a-b/">A_B</a>\n'
        '    <a href="demo-pkg/">Demo.Pkg</a>\n'
        "  </body>\n</html>\n"
    )
    assert json.loads(b"".join(index.iter_root_json(iter(projects), 9))) == {
        "meta": {"api-version": "1.4", "_last-serial": 9},
        "projects": [{"name": "A_B", "_last-serial": 3}, {"name": "Demo.Pkg", "_last-serial": 7}],
    }
    assert json.loads(b"".join(index.iter_root_json(iter([]), 0))) == {
        "meta": {"api-version": "1.4", "_last-serial": 0},
        "projects": [],
    }


def test_root_pages_of_many_projects_are_whole():
    """The pages stream in chunks; joined, they are one valid document."""
    projects = [(f"p{i:05d}", f"P{i:05d}", i) for i in range(2500)]
    document = json.loads(b"".join(index.iter_root_json(iter(projects), 2500)))
    assert [p["name"] for p in document["projects"]] == [name for _, name, _ in projects]
    page = b"".join(index.iter_root_html(iter(projects))).decode()
    assert page.count("<a href=") == 2500
    assert page.endswith("  </body>\n</html>\n")


def _release(demo, version, yanked=False):
    return factories.release(
        demo,
        version,
        canonical_version=version,
        is_prerelease=False,
        yanked=yanked,
        yanked_reason="old" if yanked else "",
    )


@pytest.fixture
def stored(dbsession, tm):
    """demo-pkg with versions 1.10, 1.9 and 1.0a1 (yanked), one wheel each."""
    with tm:
        demo = factories.project("Demo.Pkg")
        dbsession.add(demo)
        for seed, version in enumerate(["1.10", "1.9", "1.0a1"]):
            release = _release(demo, version, yanked=version == "1.0a1")
            dbsession.add(factories.file(release, f"demo_pkg-{version}-py3-none-any.whl", seed))
        dbsession.flush()
        return demo.id


def test_project_versions_and_files(dbsession, tm, stored):
    with tm:
        demo = dbsession.get(Project, stored)
        versions, found = index.project_versions_and_files(dbsession, demo)
        assert versions == ["1.0a1", "1.9", "1.10"]  # by version, not by text
        assert [f.filename for f in found] == [
            "demo_pkg-1.0a1-py3-none-any.whl",
            "demo_pkg-1.10-py3-none-any.whl",
            "demo_pkg-1.9-py3-none-any.whl",
        ]
        assert [(f.yanked, f.yanked_reason) for f in found] == [
            (True, "old"),
            (False, ""),
            (False, ""),
        ]
        demo.status = "quarantined"
        assert index.project_versions_and_files(dbsession, demo) == ([], [])


def test_iter_projects(dbsession, tm, stored):
    with tm:
        dbsession.add(factories.project("Another", last_serial=5))
    with tm:
        assert list(index.iter_projects(dbsession)) == [
            ("another", "Another", 5),
            ("demo-pkg", "Demo.Pkg", 0),
        ]

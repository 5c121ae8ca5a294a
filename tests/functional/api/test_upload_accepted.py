"""Uploads the index must accept, from old and new tools alike, and what the
JSON API then says about them; the other actions of ``/legacy/``."""

import hashlib

import trove_classifiers

from tests import factories
from tests.factories import post_form, upload_form


def with_fields(params, **fields):
    """``params`` with each of ``fields`` replacing whatever was there."""
    params = [(k, v) for k, v in params if k not in fields]
    for key, value in fields.items():
        params += [(key, v) for v in (value if isinstance(value, list) else [value])]
    return params


def info(testapp, project):
    return testapp.get(f"/pypi/{project}/json").json["info"]


def test_metadata_1_0_form_as_distutils_sends_it(testapp, alice):
    pkg_info = factories.metadata_text(
        "legacy",
        "0.1",
        metadata_version="1.1",
        summary="An old package",
        author="UNKNOWN",
        classifiers="Programming Language :: Python :: 3",
    )
    content = factories.sdist("legacy", "0.1", pkg_info=pkg_info)
    params = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("name", "legacy"),
        ("version", "0.1"),
        ("filetype", "sdist"),
        ("pyversion", ""),
        ("md5_digest", hashlib.md5(content).hexdigest()),
        ("metadata_version", "1.0"),
        ("summary", "An old package"),
        ("home_page", "UNKNOWN"),
        ("author", "UNKNOWN"),
        ("author_email", "UNKNOWN"),
        ("license", "UNKNOWN"),
        ("description", "UNKNOWN"),
        ("keywords", ""),
        ("platform", "UNKNOWN"),
        ("classifiers", "Programming Language :: Python :: 3"),
        ("download_url", "UNKNOWN"),
        ("comment", ""),
    ]
    response = post_form(testapp, alice, params, [("content", "legacy-0.1.tar.gz", content)])
    assert response.text == "OK"
    shown = info(testapp, "legacy")
    assert shown["summary"] == "An old package"
    assert shown["classifiers"] == ["Programming Language :: Python :: 3"]
    # distutils' placeholders are not metadata.
    for field in (
        "home_page",
        "author",
        "author_email",
        "license",
        "description",
        "download_url",
        "platform",
    ):
        assert shown[field] == "", field


def test_metadata_2_4_with_license_expression_urls_extras_and_dynamic(testapp, alice):
    fields = dict(
        license_expression="MIT OR Apache-2.0",
        license_file=["LICENSE", "licenses/NOTICE"],
        project_urls=[
            "Homepage, https://example.org/modern",
            "Issue Tracker, https://example.org/modern/issues",
        ],
        provides_extra="test",
        requires_dist=["packaging>=24", 'pytest; extra == "test"'],
        dynamic="Requires-Dist",
        requires_python=">=3.9",
        keywords="one, two",
    )
    metadata = factories.metadata_text("modern", "2.0", metadata_version="2.4", **fields)
    content = factories.wheel("modern", "2.0", metadata=metadata)
    params, files = upload_form("modern", "2.0", factories.wheel_filename("modern", "2.0"), content)
    post_form(testapp, alice, with_fields(params, metadata_version="2.4", **fields), files)
    shown = info(testapp, "modern")
    assert shown["license_expression"] == "MIT OR Apache-2.0"
    assert shown["license_files"] == ["LICENSE", "licenses/NOTICE"]
    assert shown["project_urls"] == {
        "Homepage": "https://example.org/modern",
        "Issue Tracker": "https://example.org/modern/issues",
    }
    assert shown["provides_extra"] == ["test"]
    assert shown["requires_dist"] == ["packaging>=24", 'pytest; extra == "test"']
    assert [d.lower() for d in shown["dynamic"]] == ["requires-dist"]
    assert shown["requires_python"] == ">=3.9"
    assert [k.strip() for k in shown["keywords"].split(",")] == ["one", "two"]


def test_metadata_2_5_with_import_names(testapp, alice):
    metadata = factories.metadata_text(
        "importable", "1.0", metadata_version="2.5", import_name=["importable", "importable.sub"]
    )
    content = factories.wheel("importable", "1.0", metadata=metadata)
    params, files = upload_form(
        "importable", "1.0", factories.wheel_filename("importable", "1.0"), content
    )
    params = with_fields(
        params, metadata_version="2.5", import_name=["importable", "importable.sub"]
    )
    assert post_form(testapp, alice, params, files).text == "OK"
    assert testapp.get("/pypi/importable/json").json["info"]["version"] == "1.0"


def test_submit_registers_a_release_without_files(testapp, alice, snapshot):
    before = snapshot()
    params = [
        (":action", "submit"),
        ("metadata_version", "1.0"),
        ("name", "Registered"),
        ("version", "0.9"),
        ("summary", "Only metadata"),
    ]
    assert post_form(testapp, alice, params).text == "OK"
    counts, stored = snapshot()
    assert counts["projects"] == before[0]["projects"] + 1
    assert counts["releases"] == before[0]["releases"] + 1
    assert counts["files"] == before[0]["files"]
    assert stored == before[1]
    document = testapp.get("/pypi/registered/json").json
    assert document["info"]["name"] == "Registered"
    assert document["info"]["summary"] == "Only metadata"
    assert document["releases"] == {"0.9": []}
    assert document["urls"] == []
    # The registrant owns the name now: a file for the release can follow.
    content = factories.wheel("registered", "0.9")
    post_form(
        testapp,
        alice,
        *upload_form("registered", "0.9", factories.wheel_filename("registered", "0.9"), content),
    )
    assert [f["filename"] for f in testapp.get("/pypi/registered/json").json["urls"]] == [
        "registered-0.9-py3-none-any.whl"
    ]


def test_verify_checks_the_form_and_stores_nothing(testapp, alice, snapshot):
    before = snapshot()
    params = [
        (":action", "verify"),
        ("metadata_version", "1.0"),
        ("name", "demo"),
        ("version", "1.0"),
    ]
    assert post_form(testapp, alice, params).text == "OK"
    response = post_form(testapp, alice, with_fields(params, version="one"), status=400)
    assert "Invalid value for version" in response.status
    assert snapshot() == before
    testapp.get("/pypi/demo/json", status=404)


def test_list_classifiers(testapp):
    response = testapp.get("/legacy/", {":action": "list_classifiers"})
    assert response.content_type == "text/plain"
    lines = response.text.splitlines()
    assert "Programming Language :: Python :: 3" in lines
    assert "License :: OSI Approved :: MIT License" in lines
    assert set(lines) == set(trove_classifiers.classifiers)
    assert lines == sorted(lines)

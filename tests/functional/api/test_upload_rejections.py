"""Uploads the index must refuse: each answer is a 4xx whose status line says
why (twine, uv and distutils print only that line), and the index is left
exactly as it was: no rows, no stored bytes."""

import hashlib

import pytest
import webtest

from cheeseshop.app import main
from cheeseshop.catalog import projects
from tests import factories
from tests.factories import post_form, upload, upload_form


def with_field(params, key, *values):
    """``params`` with every ``key`` replaced by ``values``."""
    return [(k, v) for k, v in params if k != key] + [(key, v) for v in values]


def assert_rejected(testapp, credentials, snapshot, cases, status=400):
    """Each case: (label, params, files, words the status line must contain)."""
    before = snapshot()
    for label, params, files, expected in cases:
        response = post_form(testapp, credentials, params, files, status="*")
        assert response.status_int == status, (label, response.status)
        reason = response.status.split(" ", 1)[1]
        for words in expected:
            assert words in reason, (label, response.status)
        assert snapshot() == before, label


def wheel_case(label, name, version, filename=None, content=None, expected=(), **fields):
    """A case whose form says ``fields``; so does the wheel's METADATA unless
    ``content`` is given."""
    if content is None:
        metadata = factories.metadata_text(name, version, **fields)
        content = factories.wheel(name, version, metadata=metadata)
    params, files = upload_form(
        name, version, filename or factories.wheel_filename(name, version), content
    )
    for key, value in fields.items():
        params = with_field(params, key, *(value if isinstance(value, list) else [value]))
    return label, params, files, expected


def test_filename_that_does_not_match_the_form(testapp, alice, snapshot):
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            wheel_case(
                "other name",
                "demo",
                "1.0",
                filename=factories.wheel_filename("other", "1.0"),
                content=factories.wheel("other", "1.0"),
                expected=["'other-1.0-py3-none-any.whl' belongs to another project"],
            ),
            wheel_case(
                "other version",
                "demo",
                "1.0",
                filename=factories.wheel_filename("demo", "2.0"),
                content=factories.wheel("demo", "2.0"),
                expected=["Version in filename should be '1.0' not '2.0'"],
            ),
            wheel_case(
                "wheel called an sdist",
                "demo",
                "1.0",
                filetype="sdist",
                expected=["Invalid value for filetype 'sdist'"],
            ),
        ],
    )


def test_filename_with_a_path_or_a_foreign_extension(testapp, alice, snapshot):
    content = factories.wheel("demo", "1.0")
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            wheel_case(
                "parent",
                "demo",
                "1.0",
                filename="../demo-1.0-py3-none-any.whl",
                content=content,
                expected=["must not contain a path"],
            ),
            wheel_case(
                "folder",
                "demo",
                "1.0",
                filename="a/demo-1.0-py3-none-any.whl",
                content=content,
                expected=["must not contain a path"],
            ),
            wheel_case(
                "exe",
                "demo",
                "1.0",
                filename="demo-1.0.win32.exe",
                content=content,
                filetype="bdist_wininst",
                expected=["Invalid file extension", ".whl"],
            ),
            wheel_case(
                "egg",
                "demo",
                "1.0",
                filename="demo-1.0-py3.11.egg",
                content=content,
                filetype="bdist_egg",
                expected=["Invalid file extension"],
            ),
            wheel_case(
                "bad wheel name",
                "demo",
                "1.0",
                filename="demo-1.0.whl",
                content=content,
                expected=["Invalid wheel filename 'demo-1.0.whl'"],
            ),
        ],
    )


def test_invalid_name_or_version(testapp, alice, snapshot):
    content = factories.wheel("demo", "1.0")
    filename = factories.wheel_filename("demo", "1.0")
    params, files = upload_form("demo", "1.0", filename, content)
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            (
                "bad version",
                with_field(params, "version", "1.0 final!"),
                files,
                ["Invalid value for version", "'1.0 final!' is not a valid version"],
            ),
            (
                "bad name",
                with_field(params, "name", "-demo-"),
                files,
                ["Invalid value for name", "'-demo-' is not a valid project name"],
            ),
            ("no name", with_field(params, "name"), files, ["'name' is a required field."]),
            (
                "no version",
                with_field(params, "version", "  "),
                files,
                ["'version' is a required field."],
            ),
        ],
    )


def test_malformed_form(testapp, alice, snapshot):
    content = factories.wheel("demo", "1.0")
    filename = factories.wheel_filename("demo", "1.0")
    params, files = upload_form("demo", "1.0", filename, content)
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            ("no file", params, (), ["Upload payload does not have a file ('content' field)"]),
            (
                "content is text",
                params + [("content", "not a file")],
                (),
                ["Upload payload does not have a file"],
            ),
            (
                "protocol 2",
                with_field(params, "protocol_version", "2"),
                files,
                ["Unknown protocol_version"],
            ),
            (
                "no metadata_version",
                with_field(params, "metadata_version"),
                files,
                ["'metadata_version' is a required field."],
            ),
        ],
    )


def test_invalid_metadata(testapp, alice, snapshot):
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            wheel_case(
                "requires_dist",
                "demo",
                "1.0",
                requires_dist="foo >>> 1",
                expected=["Invalid metadata", "'foo >>> 1' is invalid"],
            ),
            wheel_case(
                "requires_python",
                "demo",
                "1.0",
                requires_python="three",
                expected=["Invalid metadata", "'three'"],
            ),
            wheel_case(
                "unknown metadata_version",
                "demo",
                "1.0",
                metadata_version="9.9",
                expected=["Invalid metadata", "'9.9' is not a valid metadata version"],
            ),
            wheel_case(
                "html readme",
                "demo",
                "1.0",
                description="<b>hi</b>",
                description_content_type="text/html",
                expected=["description-content-type", "not 'text/html'"],
            ),
        ],
    )


def test_unknown_or_deprecated_classifier(testapp, alice, snapshot):
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            wheel_case(
                "unknown",
                "demo",
                "1.0",
                classifiers="Programming Language :: Cobol 2000",
                expected=[
                    "Invalid value for classifiers",
                    "'Programming Language :: Cobol 2000' is not a valid classifier",
                ],
            ),
            # Known to trove-classifiers, and deprecated: pypi.org names it so.
            wheel_case(
                "deprecated",
                "demo",
                "1.0",
                classifiers="License :: OSI Approved :: Intel Open Source License",
                expected=["Invalid value for classifiers", "has been deprecated"],
            ),
        ],
    )


def test_archive_that_disagrees_with_the_form_or_is_broken(testapp, alice, snapshot):
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            wheel_case(
                "METADATA names another project",
                "demo",
                "1.0",
                content=factories.wheel(
                    "demo", "1.0", metadata=factories.metadata_text("other", "1.0")
                ),
                expected=[
                    "The name in the file's metadata ('other') does not match the form's ('demo')"
                ],
            ),
            wheel_case(
                "METADATA has another version",
                "demo",
                "1.0",
                content=factories.wheel(
                    "demo", "1.0", metadata=factories.metadata_text("demo", "2.0")
                ),
                expected=[
                    "The version in the file's metadata (2.0) does not match the form's (1.0)"
                ],
            ),
            wheel_case(
                "not a zip",
                "demo",
                "1.0",
                content=b"this is not a zip archive" * 10,
                expected=["'demo-1.0-py3-none-any.whl': not a zip archive"],
            ),
            wheel_case(
                "no METADATA",
                "demo",
                "1.0",
                content=factories.wheel("demo", "1.0", dist_info_name="something_else-1.0"),
                expected=["does not contain the required METADATA file"],
            ),
            (
                "sdist that is not a tar.gz",
                *upload_form("demo", "1.0", "demo-1.0.tar.gz", b"plain text, not gzip" * 10),
                ["'demo-1.0.tar.gz': not a valid .tar.gz"],
            ),
            (
                "sdist without PKG-INFO",
                *upload_form(
                    "demo",
                    "1.0",
                    "demo-1.0.tar.gz",
                    factories.tar_gz({"demo-1.0/setup.py": b"from setuptools import setup\n"}),
                ),
                ["demo-1.0.tar.gz has no PKG-INFO"],
            ),
        ],
    )


def test_missing_or_wrong_digests(testapp, alice, snapshot):
    content = factories.wheel("demo", "1.0")
    filename = factories.wheel_filename("demo", "1.0")
    params, files = upload_form("demo", "1.0", filename, content, digests=False)
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            ("no digest", params, files, ["Include at least one message digest"]),
            (
                "md5",
                params + [("md5_digest", hashlib.md5(b"other").hexdigest())],
                files,
                ["does not match", "md5"],
            ),
            (
                "blake2",
                params
                + [
                    ("sha256_digest", hashlib.sha256(content).hexdigest()),
                    ("blake2_256_digest", hashlib.blake2b(b"other", digest_size=32).hexdigest()),
                ],
                files,
                ["does not match", "blake2_256"],
            ),
        ],
    )


def test_second_sdist_of_a_release(testapp, alice, snapshot):
    upload(testapp, alice, "demo", "1.0", kind="sdist", filename="demo-1.0.tar.gz")
    upload(testapp, alice, "demo", "1.0")  # a wheel beside it is fine
    zipped = factories.zip_archive({"demo-1.0/PKG-INFO": factories.metadata_text("demo", "1.0")})
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            (
                "zip sdist",
                *upload_form("demo", "1.0", "demo-1.0.zip", zipped, filetype="sdist"),
                ["Only one sdist may be uploaded per release", "'demo-1.0.tar.gz'"],
            ),
        ],
    )


def test_file_larger_than_the_configured_limit(settings, alice, snapshot):
    testapp = webtest.TestApp(main({}, **settings, **{"cheeseshop.max_file_size": "1000"}))
    big = factories.wheel("demo", "1.0", files={"demo/data.bin": bytes(range(256)) * 40})
    assert len(big) > 1000
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            (
                "too large",
                *upload_form("demo", "1.0", factories.wheel_filename("demo", "1.0"), big),
                ["File too large", "1000 bytes"],
            )
        ],
        status=413,
    )
    small = factories.wheel("small", "1.0")
    assert len(small) <= 1000
    upload(testapp, alice, "small", "1.0", content=small)


def test_unknown_action(testapp, alice, snapshot):
    params, files = upload_form(
        "demo", "1.0", factories.wheel_filename("demo", "1.0"), factories.wheel("demo", "1.0")
    )
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            (
                "unknown",
                with_field(params, ":action", "frobnicate"),
                files,
                ["Unknown or missing ':action' 'frobnicate'"],
            ),
            ("missing", with_field(params, ":action"), files, ["Unknown or missing ':action'"]),
        ],
    )


def test_readme_that_does_not_render_as_declared(testapp, alice, snapshot):
    broken_rst = "Title\n=====\n\n.. raw:: html\n\n   <script>alert(1)</script>\n"
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            wheel_case(
                "declared rst",
                "demo",
                "1.0",
                description=broken_rst,
                description_content_type="text/x-rst",
                expected=["The description failed to render for 'text/x-rst'"],
            ),
            wheel_case(
                "rst by default",
                "demo",
                "1.0",
                description=broken_rst,
                expected=["The description failed to render in the default format"],
            ),
        ],
    )
    # The same text declared as Markdown is fine.
    upload(
        testapp,
        alice,
        "demo",
        "1.0",
        description=broken_rst,
        description_content_type="text/markdown",
    )


@pytest.mark.parametrize("status", ["archived", "quarantined"])
def test_project_that_accepts_no_uploads(testapp, alice, snapshot, dbsession, tm, status):
    upload(testapp, alice, "demo", "1.0")
    with tm:
        projects.set_status(dbsession, "demo", status, reason="no longer maintained")
    wheel = factories.wheel("demo", "2.0")
    params, files = upload_form("demo", "2.0", factories.wheel_filename("demo", "2.0"), wheel)
    assert_rejected(
        testapp,
        alice,
        snapshot,
        [
            ("new file", params, files, [f"Project 'demo' is {status}"]),
            (
                "register",
                with_field(params, ":action", "submit"),
                (),
                [f"Project 'demo' is {status}"],
            ),
        ],
    )
    # Back to active, the same upload goes through.
    with tm:
        projects.set_status(dbsession, "demo", "active")
    post_form(testapp, alice, params, files)

"""Hostile uploads through the app: work bounded before authorization, a
file that contradicts its form, many filenames for one distribution, README
and list fields past their limits, names too long for a file name. Each is a
4xx whose status line says why, in well under a second, and the index is
left exactly as it was."""

import io
import time

import pytest

from tests import factories
from tests.factories import basic_auth, post_form, upload, upload_form


def assert_refused(testapp, credentials, snapshot, params, files, status, words, *, seconds=2):
    before = snapshot()
    started = time.monotonic()
    response = post_form(testapp, credentials, params, files, status="*")
    elapsed = time.monotonic() - started
    assert response.status_int == status, response.status
    assert words in response.status, response.status
    assert elapsed < seconds, elapsed
    assert snapshot() == before
    return response


def form_for(name, version, *, kind="wheel", content_fields=None, **form_fields):
    """An upload whose file's metadata says ``content_fields`` (default: the
    same as the form's) and whose form says ``form_fields``."""
    content_fields = form_fields if content_fields is None else content_fields
    filename, content = factories.distribution(name, version, kind, **content_fields)
    return upload_form(name, version, filename, content, **form_fields)


# 1. Work before authentication


def test_an_anonymous_upload_costs_no_parsing(testapp, snapshot):
    # 200,000 fields: refused on the headers, before the body is parsed.
    body = (
        b"".join(
            b'--b\r\nContent-Disposition: form-data; name="classifiers"\r\n\r\nx\r\n'
            for _ in range(200_000)
        )
        + b"--b--\r\n"
    )
    before = snapshot()
    started = time.monotonic()
    response = testapp.post(
        "/legacy/", body, content_type="multipart/form-data; boundary=b", status="*"
    )
    assert time.monotonic() - started < 1
    assert response.status_int == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="pypi"'
    response = testapp.post(
        "/legacy/",
        body,
        content_type="multipart/form-data; boundary=b",
        status="*",
        headers=basic_auth(("nobody", "wrong")),
    )
    assert response.status_int == 403
    assert snapshot() == before


def test_an_authenticated_flood_of_fields_is_stopped_at_the_limit(testapp, alice, snapshot):
    params = [(":action", "file_upload")] + [("classifiers", "x")] * 5000
    assert_refused(
        testapp, alice, snapshot, params, [], 413, "Too many form fields: the limit is 4000."
    )


def test_an_oversized_body_is_refused_from_its_content_length(app, alice, snapshot):
    import webtest

    # The body is never read: a client may announce more than it sends.
    before = snapshot()
    request = webtest.TestRequest.blank(
        "/legacy/",
        method="POST",
        headers={**basic_auth(alice), "Content-Length": str(10 * 1024**3)},
        content_type="multipart/form-data; boundary=b",
    )
    request.body_file = io.BytesIO(b"")
    request.environ["CONTENT_LENGTH"] = str(10 * 1024**3)
    response = request.get_response(app)
    assert response.status_int == 413
    assert "File too large. Limit is 1 GiB" in response.status
    assert snapshot() == before


# 3. README and list fields


def test_a_description_past_its_limit(testapp, alice, snapshot):
    description = "x" * (512 * 1024 + 1)
    params, files = form_for("demo", "1.0", description=description)
    assert_refused(
        testapp,
        alice,
        snapshot,
        params,
        files,
        400,
        "The description is too large: 524289 bytes; the limit is 512 KiB.",
    )


def test_too_many_classifiers(testapp, alice, snapshot):
    classifiers = ["Programming Language :: Python :: 3"] * 1001
    params, files = form_for("demo", "1.0", classifiers=classifiers)
    assert_refused(
        testapp,
        alice,
        snapshot,
        params,
        files,
        400,
        "Invalid value for classifiers: 1001 values; the limit is 1000.",
    )


def test_a_readme_that_renders_too_slowly(settings, alice, snapshot):
    import webtest

    from cheeseshop.app import main

    slow = webtest.TestApp(main({}, **settings, **{"cheeseshop.upload.readme_seconds": "1"}))
    text = "Hello *world* ``code`` `link <http://x>`_\n\n" * 4000  # ~140 KiB of reST
    params, files = form_for("demo", "1.0", description=text)
    assert_refused(
        slow,
        alice,
        snapshot,
        params,
        files,
        400,
        "The description could not be rendered within 1 seconds",
        seconds=10,
    )


# 4. A file that contradicts its form


@pytest.mark.parametrize(
    "field, form_value, file_value",
    [
        ("requires_dist", "safe-dep", "evil-dep"),
        ("summary", "A safe package", "An evil package"),
        ("requires_python", ">=3.8", ">=2.7"),
        (
            "classifiers",
            "License :: OSI Approved :: MIT License",
            "License :: Other/Proprietary License",
        ),
        ("description", "The real README", "Another README"),
    ],
)
def test_a_form_that_contradicts_the_file_is_refused_naming_the_field(
    testapp, alice, snapshot, field, form_value, file_value
):
    params, files = form_for(
        "demo", "1.0", content_fields={field: file_value}, **{field: form_value}
    )
    assert_refused(
        testapp,
        alice,
        snapshot,
        params,
        files,
        400,
        f"The form's {field} does not match the METADATA in the wheel",
    )


def test_a_form_field_the_file_lacks_is_a_contradiction(testapp, alice, snapshot):
    params, files = form_for("demo", "1.0", content_fields={}, requires_dist="safe-dep")
    assert_refused(
        testapp,
        alice,
        snapshot,
        params,
        files,
        400,
        "The form's requires_dist does not match the METADATA in the wheel",
    )


def test_what_is_recorded_and_served_is_the_file_s_metadata(testapp, alice):
    # Fields only the file has are no contradiction: and they are what the
    # JSON API and the simple page show, like the .metadata file pip reads.
    filename, content = factories.distribution(
        "demo", "1.0", requires_dist="dep>=1", requires_python=">=3.9", summary="From the file"
    )
    params, files = upload_form("demo", "1.0", filename, content)
    post_form(testapp, alice, params, files)
    info = testapp.get("/pypi/demo/json").json["info"]
    assert (info["requires_dist"], info["requires_python"], info["summary"]) == (
        ["dep>=1"],
        ">=3.9",
        "From the file",
    )
    assert 'data-requires-python="&gt;=3.9"' in testapp.get("/simple/demo/").text
    url = testapp.get("/pypi/demo/json").json["urls"][0]["url"]
    metadata = testapp.get(url[url.index("/packages/") :] + ".metadata").body
    assert b"Requires-Dist: dep>=1" in metadata


def test_a_sdist_whose_pkg_info_contradicts_the_form(testapp, alice, snapshot):
    params, files = form_for(
        "demo", "1.0", kind="sdist", content_fields={"summary": "B"}, summary="A"
    )
    assert_refused(
        testapp,
        alice,
        snapshot,
        params,
        files,
        400,
        "The form's summary does not match the PKG-INFO of 'demo-1.0.tar.gz'",
    )


# 5. One distribution, one filename


@pytest.mark.parametrize(
    "filename",
    [
        "Demo-1.0-py3-none-any.whl",
        "demo-01.0-py3-none-any.whl",
        "demo-v1.0-py3-none-any.whl",
        "demo-1.0-py3.py3-none-any.whl",
        "demo-1.0-py3-none-any .whl",
        "demo-1.0-py3-none-any\t.whl",
        "dem\u043e-1.0-py3-none-any.whl",
        "Demo-1.0.tar.gz",
        "demo-1.0.0.tar.gz",
    ],
)
def test_only_the_canonical_filename_is_accepted(testapp, alice, snapshot, filename):
    upload(testapp, alice, "demo", "1.0")
    kind = "sdist" if filename.endswith(".tar.gz") else "wheel"
    _, content = factories.distribution("demo", "1.0", kind)
    params, files = upload_form("demo", "1.0", filename, content)
    words = "Version in filename should be '1.0'" if "1.0.0" in filename else "Invalid"
    assert_refused(testapp, alice, snapshot, params, files, 400, words)
    page = testapp.get("/simple/demo/").text
    assert page.count("<a ") == 1


def test_the_same_wheel_under_another_order_of_its_tags(testapp, alice, snapshot):
    tag = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
    filename = f"demo-1.0-{tag}.whl"
    content = factories.wheel("demo", "1.0")
    post_form(testapp, alice, *upload_form("demo", "1.0", filename, content))
    other_order = "demo-1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
    params, files = upload_form(
        "demo", "1.0", other_order, factories.wheel("demo", "1.0", files={"x": b"1"})
    )
    assert_refused(
        testapp,
        alice,
        snapshot,
        params,
        files,
        400,
        f"File already exists: '{filename}' is the same distribution",
    )


# 7. Errors in their class


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("name", "n" * 201, "is longer than 200 characters"),
        ("version", "1." + "0" * 120, "is longer than 100 characters"),
        ("name", "demo\x00", "contains a NUL character"),
    ],
)
def test_values_too_long_or_with_nul_are_400(testapp, alice, snapshot, field, value, words):
    params, files = upload_form(
        "demo", "1.0", "demo-1.0-py3-none-any.whl", factories.wheel("demo", "1.0")
    )
    params = [(k, value if k == field else v) for k, v in params]
    assert_refused(testapp, alice, snapshot, params, files, 400, words)


def test_a_filename_with_nul_or_too_long_is_400(testapp, alice, snapshot):
    content = factories.wheel("demo", "1.0")
    for filename, words in [
        ("demo-1.0-py3-none-any\x00.whl", "The filename contains a NUL character."),
        ("demo-1.0-" + "py3." * 80 + "py2-none-any.whl", "is longer than 255 bytes"),
    ]:
        params, files = upload_form("demo", "1.0", filename, content)
        assert_refused(testapp, alice, snapshot, params, files, 400, words)


def test_the_archive_is_opened_only_for_someone_who_may_upload(testapp, alice, bob, snapshot):
    upload(testapp, alice, "demo", "1.0")
    # A broken archive from bob: 403 (not his project), not 400 (the
    # archive), so the archive was never opened.
    params, files = upload_form("demo", "2.0", "demo-2.0-py3-none-any.whl", b"not a zip at all")
    assert_refused(
        testapp,
        bob,
        snapshot,
        params,
        files,
        403,
        "The user 'bob' isn't allowed to upload to project 'demo'.",
    )

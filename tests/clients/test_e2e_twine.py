"""twine uploads, then pip installs what was uploaded."""

import re

from cheeseshop_e2e import assert_unchanged, sha256_of


def test_twine_upload_then_pip_install(server, sh, user, build_dist, unique_name):
    dist = build_dist("setuptools", unique_name("twine"), "1.0")

    result = sh.twine_upload(server, user, dist.files)
    assert "View at" in result.flat or "Uploading" in result.flat

    # both files are listed on the project's simple page, with the uploaded bytes' hashes
    page = server.simple_html(dist.name)
    for path in dist.files:
        assert path.name in page
        assert f"sha256={sha256_of(path)}" in page

    python = sh.new_venv()
    installed = sh.pip_install(python, server, dist.name)
    assert dist.wheel.name in installed.flat, "pip should pick the uploaded wheel"
    assert sh.import_value(python, dist.module) == "1.0"
    assert sh.installed_version(python, dist.name) == "1.0"


def test_twine_skip_existing_and_file_name_reuse(server, sh, user, build_dist, unique_name):
    name = unique_name("reuse")
    dist = build_dist("setuptools", name, "1.0", marker="first upload")
    sh.twine_upload(server, user, dist.files)
    before = server.snapshot()

    # re-uploading the very same files with --skip-existing is fine and stores nothing new
    again = sh.twine_upload(server, user, dist.files, "--skip-existing")
    assert again.returncode == 0
    assert_unchanged(before, server.snapshot())

    # same version rebuilt: same file names, different bytes
    rebuilt = build_dist("setuptools", name, "1.0", marker="second build")
    assert [p.name for p in rebuilt.files] == [p.name for p in dist.files]
    assert [p.read_bytes() for p in rebuilt.files] != [p.read_bytes() for p in dist.files]

    clash = sh.twine_upload(server, user, rebuilt.files, check=False)
    assert clash.returncode != 0, clash.describe()
    assert "File already exists" in clash.flat, clash.describe()
    assert "400" in clash.flat, clash.describe()
    assert "Traceback" not in clash.output, clash.describe()
    assert_unchanged(before, server.snapshot())

    # --skip-existing turns that refusal into a skip, still storing nothing
    skipped = sh.twine_upload(server, user, rebuilt.files, "--skip-existing", check=False)
    assert skipped.returncode == 0, skipped.describe()
    assert re.search(r"Skipping .*already exist", skipped.flat), skipped.describe()
    assert_unchanged(before, server.snapshot())

    # and an install still gets the first upload
    python = sh.new_venv()
    sh.pip_install(python, server, name)
    assert sh.import_value(python, dist.module, "MARKER") == "first upload"


def test_twine_bad_credentials_are_refused(server, sh, user, build_dist, unique_name):
    dist = build_dist("setuptools", unique_name("badauth"), "1.0")
    before = server.snapshot()

    for username, password in (
        (user.name, user.password + "-wrong"),
        ("nobody-" + user.name, user.password),
    ):
        result = sh.twine_upload(server, (username, password), dist.files, check=False)
        assert result.returncode != 0, result.describe()
        # a readable HTTP error, not a crash
        assert re.search(r"HTTPError: 40[13] (Forbidden|Unauthorized)", result.flat), (
            result.describe()
        )
        assert "Traceback" not in result.output, result.describe()
        assert_unchanged(before, server.snapshot())

    status, _, _ = server.get(f"/simple/{dist.name}/")
    assert status == 404


def test_twine_upload_to_another_users_project_is_forbidden(
    server, sh, make_user, build_dist, unique_name
):
    owner, intruder = make_user(), make_user()
    name = unique_name("owned")
    first = build_dist("setuptools", name, "1.0")
    sh.twine_upload(server, owner, first.files)
    before = server.snapshot()

    second = build_dist("setuptools", name, "2.0", marker="intruder")
    result = sh.twine_upload(server, intruder, second.files, check=False)
    assert result.returncode != 0, result.describe()
    assert "403" in result.flat and "Forbidden" in result.flat, result.describe()
    assert name in result.flat, "the refusal should say which project (as pypi.org does)"
    assert "Traceback" not in result.output, result.describe()
    assert_unchanged(before, server.snapshot())

    python = sh.new_venv()
    sh.pip_install(python, server, name)
    assert sh.installed_version(python, name) == "1.0"

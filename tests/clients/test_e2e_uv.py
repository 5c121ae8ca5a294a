"""uv publish, uv pip install, and uv's --exclude-newer (PEP 700 upload times)."""

import datetime
import time

from cheeseshop_e2e import sha256_of, utc_now_rfc3339


def uv_publish(sh, server, user, files, *extra, check=True):
    return sh.run(
        [
            sh.tool("uv"),
            "publish",
            "--publish-url",
            server.legacy_url,
            "-u",
            user.name,
            "-p",
            user.password,
            *extra,
            *files,
        ],
        check=check,
    )


def test_uv_publish_then_uv_pip_install(server, sh, user, build_dist, unique_name):
    dist = build_dist("hatchling", unique_name("uv"), "1.0")

    uv_publish(sh, server, user, dist.files)

    python = sh.new_venv()
    sh.uv_pip_install(python, server, dist.name)
    assert sh.import_value(python, dist.module) == "1.0"
    assert sh.installed_version(python, dist.name) == "1.0"

    # publishing the same files again, letting uv check the index first, is a no-op success
    before = server.snapshot()
    again = uv_publish(sh, server, user, dist.files, "--check-url", server.simple_url)
    assert again.returncode == 0
    assert server.snapshot() == before


def test_uv_exclude_newer_uses_upload_time(server, sh, user, build_dist, unique_name):
    name = unique_name("newer")
    old = build_dist("setuptools", name, "1.0")
    new = build_dist("setuptools", name, "2.0")

    sh.twine_upload(server, user, old.files)
    time.sleep(2)
    cutoff = utc_now_rfc3339()
    time.sleep(2)
    sh.twine_upload(server, user, new.files)

    # the index reports upload times on both sides of the cutoff (PEP 700)
    files = {f["filename"]: f for f in server.simple_json(name)["files"]}
    for dist, older in ((old, True), (new, False)):
        for path in dist.files:
            meta = files[path.name]
            assert meta["hashes"]["sha256"] == sha256_of(path)
            uploaded = datetime.datetime.fromisoformat(meta["upload-time"].replace("Z", "+00:00"))
            limit = datetime.datetime.fromisoformat(cutoff.replace("Z", "+00:00"))
            assert (uploaded < limit) is older, (path.name, meta["upload-time"], cutoff)

    latest = sh.new_venv()
    sh.uv_pip_install(latest, server, name)
    assert sh.installed_version(latest, name) == "2.0"

    pinned_in_time = sh.new_venv()
    sh.uv_pip_install(pinned_in_time, server, name, extra=["--exclude-newer", cutoff])
    assert sh.installed_version(pinned_in_time, name) == "1.0"
    assert sh.import_value(pinned_in_time, old.module) == "1.0"


def test_a_publish_is_seen_by_the_very_next_uv_run(server, sh, user, build_dist, unique_name):
    """uv keeps simple pages in its HTTP cache (one cache dir for both runs
    here); pages say ``max-age=0, must-revalidate``, so uv revalidates and
    installs the release published a moment ago, not the one before (with
    the old ``max-age=60`` it installed 1.0 again)."""
    name = unique_name("fresh")
    first, second = build_dist("setuptools", name, "1.0"), build_dist("setuptools", name, "1.1")
    sh.twine_upload(server, user, first.files)
    python = sh.new_venv()
    sh.uv_pip_install(python, server, name)
    assert sh.installed_version(python, name) == "1.0"
    sh.twine_upload(server, user, second.files)
    python = sh.new_venv("next")
    sh.uv_pip_install(python, server, name)
    assert sh.installed_version(python, name) == "1.1"

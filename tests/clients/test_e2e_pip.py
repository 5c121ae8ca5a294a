"""pip against the index: hash-checking mode, extras, sdist downloads, yanked releases."""

import re

from cheeseshop_e2e import sha256_of


def test_require_hashes_from_json_api_and_simple_page(
    server, sh, user, build_dist, unique_name, tmp_path
):
    dist = build_dist("setuptools", unique_name("hashes"), "1.0")
    sh.twine_upload(server, user, dist.files)

    # hashes as a user would copy them: the wheel's from the JSON API, the sdist's from the simple page
    urls = {u["filename"]: u for u in server.project_json(dist.name)["urls"]}
    wheel_hash = urls[dist.wheel.name]["digests"]["sha256"]
    page = server.simple_html(dist.name)
    match = re.search(rf'href="[^"]*{re.escape(dist.sdist.name)}#sha256=([0-9a-f]{{64}})"', page)
    assert match, f"no sha256 fragment for {dist.sdist.name} on the simple page:\n{page}"
    sdist_hash = match.group(1)
    assert wheel_hash == sha256_of(dist.wheel)
    assert sdist_hash == sha256_of(dist.sdist)

    requirements = tmp_path / "req.txt"
    requirements.write_text(
        f"{dist.name}==1.0 --hash=sha256:{wheel_hash} --hash=sha256:{sdist_hash}\n"
    )
    python = sh.new_venv()
    sh.pip_install(python, server, "--require-hashes", "-r", requirements)
    assert sh.import_value(python, dist.module) == "1.0"

    # hash-checking mode really checks: a wrong hash is refused
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(f"{dist.name}==1.0 --hash=sha256:{'0' * 64}\n")
    refused = sh.pip_install(sh.new_venv(), server, "--require-hashes", "-r", wrong, check=False)
    assert refused.returncode != 0
    assert "DO NOT MATCH THE HASHES" in refused.output, refused.describe()


def test_extras_pull_in_other_uploaded_packages(server, sh, user, build_dist, unique_name):
    # (not hatchling: its Metadata-Version 2.5 is newer than twine 6.1 knows)
    plugin = build_dist("poetry", unique_name("plugin"), "1.2")
    host = build_dist(
        "setuptools",
        unique_name("host"),
        "1.0",
        extras={"plugin": [f"{plugin.name}>=1.0"]},
    )
    sh.twine_upload(server, user, plugin.files)
    sh.twine_upload(server, user, host.files)

    without = sh.new_venv()
    sh.pip_install(without, server, host.name)
    assert sh.installed_version(without, host.name) == "1.0"
    assert sh.installed_version(without, plugin.name) is None

    with_extra = sh.new_venv()
    sh.pip_install(with_extra, server, f"{host.name}[plugin]")
    assert sh.installed_version(with_extra, host.name) == "1.0"
    assert sh.installed_version(with_extra, plugin.name) == "1.2"
    assert sh.import_value(with_extra, plugin.module) == "1.2"


def test_pip_download_no_binary_gets_the_sdist(server, sh, user, build_dist, unique_name, tmp_path):
    dist = build_dist("setuptools", unique_name("sdist"), "1.0")
    sh.twine_upload(server, user, dist.files)

    out = tmp_path / "downloads"
    # --no-build-isolation: pip prepares the sdist's metadata with the setuptools
    # already in the clients venv (with :all:, an isolated build would need a
    # setuptools *sdist*, which the test index does not host)
    sh.run(
        [
            sh.clients.python,
            "-m",
            "pip",
            "download",
            "--index-url",
            server.simple_url,
            "--no-binary",
            ":all:",
            "--no-build-isolation",
            "-d",
            out,
            dist.name,
        ]
    )
    downloaded = sorted(out.iterdir())
    assert [p.name for p in downloaded] == [dist.sdist.name]
    assert downloaded[0].read_bytes() == dist.sdist.read_bytes()


def test_yanked_release_is_skipped_unless_pinned(server, sh, user, build_dist, unique_name):
    name = unique_name("yank")
    one = build_dist("setuptools", name, "1.0")
    two = build_dist("setuptools", name, "2.0")
    sh.twine_upload(server, user, one.files)
    sh.twine_upload(server, user, two.files)

    server.yank(name, "2.0", "broken")

    unpinned = sh.new_venv()
    sh.pip_install(unpinned, server, name)
    assert sh.installed_version(unpinned, name) == "1.0"

    pinned = sh.new_venv()
    result = sh.pip_install(pinned, server, f"{name}==2.0")
    assert sh.installed_version(pinned, name) == "2.0"
    assert "yanked" in result.flat and "broken" in result.flat, result.describe()

    server.unyank(name, "2.0")

    after = sh.new_venv()
    result = sh.pip_install(after, server, name)
    assert sh.installed_version(after, name) == "2.0"
    assert "yanked" not in result.flat

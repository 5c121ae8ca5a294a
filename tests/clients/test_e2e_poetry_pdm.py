"""poetry publish and pdm publish, each with a project built by its own tool."""


def test_poetry_publish(server, sh, user, build_dist, unique_name):
    dist = build_dist("poetry", unique_name("poetry"), "1.0")

    sh.run(
        [sh.tool("poetry"), "config", "--no-interaction", "repositories.local", server.legacy_url]
    )
    shown = sh.run([sh.tool("poetry"), "config", "--no-interaction", "--list"])
    assert server.legacy_url in shown.flat

    result = sh.run(
        [
            sh.tool("poetry"),
            "publish",
            "--no-interaction",
            "-r",
            "local",
            "-u",
            user.name,
            "-p",
            user.password,
        ],
        cwd=dist.project_dir,
    )
    for path in dist.files:
        assert path.name in result.flat

    python = sh.new_venv()
    sh.pip_install(python, server, dist.name)
    assert sh.import_value(python, dist.module) == "1.0"

    # what poetry sent is what the JSON API reports
    info = server.project_json(dist.name)
    assert info["info"]["version"] == "1.0"
    assert sorted(u["filename"] for u in info["urls"]) == sorted(p.name for p in dist.files)


def test_pdm_publish(server, sh, user, build_dist, unique_name):
    # built by ``pdm build --no-isolation``; ``--no-build`` makes publish upload
    # exactly those files instead of rebuilding in an isolated env from PyPI.
    # (pdm's -p is --project: the password option is -P/--password)
    dist = build_dist("pdm", unique_name("pdm"), "1.0")

    result = sh.run(
        [
            sh.tool("pdm"),
            "publish",
            "--no-build",
            "-r",
            server.legacy_url,
            "--username",
            user.name,
            "--password",
            user.password,
        ],
        cwd=dist.project_dir,
    )
    for path in dist.files:
        assert path.name in result.flat

    python = sh.new_venv()
    sh.pip_install(python, server, dist.name)
    assert sh.import_value(python, dist.module) == "1.0"

    info = server.project_json(dist.name)
    assert sorted(u["filename"] for u in info["urls"]) == sorted(p.name for p in dist.files)

"""API tokens (``cheeseshop token create``) as the uploaders use them: the
password of the user ``__token__``, given the way each client's users do in
CI; then what a project-scoped, a read-only and a revoked token may not do.

Uploads with a password are test_e2e_twine/uv/poetry_pdm's business."""

import pytest
from cheeseshop_e2e import assert_unchanged

TOKEN_USER = "__token__"


@pytest.fixture(scope="module")
def ci_token(server) -> str:
    """An unscoped token of a user of its own, for the uploads of new projects
    below (none revokes it): one ``user add`` and ``token create`` per module."""
    return server.create_token(server.add_user().name, "--description", "CI")


def twine_env(token: str) -> dict:
    """twine reads its credentials from the environment, as in a CI job."""
    return {"TWINE_USERNAME": TOKEN_USER, "TWINE_PASSWORD": token}


def twine_upload_env(sh, server, files, env, check=True):
    """``twine upload`` with no -u/-p: the credentials come from *env*."""
    return sh.run(
        [sh.tool("twine"), "upload", "--repository-url", server.legacy_url, *files],
        env=env,
        check=check,
    )


def assert_refused(result, message):
    """twine failed with a 403 showing the server's message, without a traceback."""
    assert result.returncode != 0, result.describe()
    assert "403 Forbidden" in result.flat, result.describe()
    assert message in result.flat, result.describe()
    assert "Traceback" not in result.output, result.describe()


def test_twine_with_a_token_until_it_is_revoked(server, sh, user, build_dist, unique_name):
    dist = build_dist("setuptools", unique_name("tokentwine"), "1.0")
    token = server.create_token(user.name, "--description", "CI upload job")

    uploaded = twine_upload_env(sh, server, [dist.wheel], twine_env(token))
    assert dist.wheel.name in uploaded.flat

    python = sh.new_venv()
    sh.pip_install(python, server, dist.name)
    assert sh.import_value(python, dist.module) == "1.0"

    # revoked: the very next upload is refused, and nothing is stored
    revoked = server.revoke_token(token)
    assert "revoked token" in revoked.flat, revoked.describe()
    before = server.snapshot()
    refused = twine_upload_env(sh, server, [dist.sdist], twine_env(token), check=False)
    assert_refused(refused, "Invalid or non-existent authentication information.")
    assert_unchanged(before, server.snapshot())
    listed = server.cli("token", "list", user.name)
    assert "CI upload job" in listed.flat and "revoked" in listed.flat, listed.describe()


def test_project_scoped_and_read_only_tokens(server, sh, make_user, build_dist, unique_name):
    owner, maintainer = make_user(), make_user()
    scoped_to = build_dist("setuptools", unique_name("scoped"), "1.0")
    other = build_dist("setuptools", unique_name("other"), "1.0")

    # the owner creates the project (its sdist) and makes a maintainer, whose
    # CI gets a token for that project only
    sh.twine_upload(server, owner, [scoped_to.sdist])
    server.cli("role", "add", scoped_to.name, maintainer.name, "--role", "maintainer")
    scoped = server.create_token(maintainer.name, "--project", scoped_to.name)
    read_only = server.create_token(maintainer.name, "--read-only")

    # the scoped token uploads to its project
    twine_upload_env(sh, server, [scoped_to.wheel], twine_env(scoped))
    python = sh.new_venv()
    installed = sh.pip_install(python, server, scoped_to.name)
    assert scoped_to.wheel.name in installed.flat
    assert sh.installed_version(python, scoped_to.name) == "1.0"

    # ... but creates no other project; a read-only token uploads nothing
    before = server.snapshot()
    refused = twine_upload_env(sh, server, other.files, twine_env(scoped), check=False)
    assert_refused(refused, f"This API token is scoped to other projects than '{other.name}'")
    refused = twine_upload_env(sh, server, other.files, twine_env(read_only), check=False)
    assert_refused(refused, "This API token is read-only: it cannot upload.")
    assert_unchanged(before, server.snapshot())
    assert server.get(f"/simple/{other.name}/")[0] == 404


def test_uv_publish_with_a_token(server, sh, ci_token, build_dist, unique_name):
    # uv publish --token / UV_PUBLISH_TOKEN sends it as __token__'s password
    dist = build_dist("hatchling", unique_name("tokenuv"), "1.0")

    sh.run(
        [sh.tool("uv"), "publish", "--publish-url", server.legacy_url, *dist.files],
        env={"UV_PUBLISH_TOKEN": ci_token},
    )

    python = sh.new_venv()
    sh.pip_install(python, server, dist.name)
    assert sh.import_value(python, dist.module) == "1.0"


def test_poetry_publish_with_a_token_from_the_environment(
    server, sh, ci_token, build_dist, unique_name
):
    # no poetry config at all: the repository and its token come from
    # POETRY_REPOSITORIES_<NAME>_URL and POETRY_PYPI_TOKEN_<NAME>, as in CI
    dist = build_dist("poetry", unique_name("tokenpoetry"), "1.0")

    result = sh.run(
        [sh.tool("poetry"), "publish", "--no-interaction", "-r", "cheeses"],
        cwd=dist.project_dir,
        env={
            "POETRY_REPOSITORIES_CHEESES_URL": server.legacy_url,
            "POETRY_PYPI_TOKEN_CHEESES": ci_token,
        },
    )
    for path in dist.files:
        assert path.name in result.flat

    python = sh.new_venv()
    sh.pip_install(python, server, dist.name)
    assert sh.import_value(python, dist.module) == "1.0"


def test_pdm_publish_with_a_token_as_the_password(server, sh, ci_token, build_dist, unique_name):
    # a password without a username: pdm sends it as __token__'s
    dist = build_dist("pdm", unique_name("tokenpdm"), "1.0")

    result = sh.run(
        [sh.tool("pdm"), "publish", "--no-build", "-r", server.legacy_url],
        cwd=dist.project_dir,
        env={"PDM_PUBLISH_PASSWORD": ci_token},
    )
    for path in dist.files:
        assert path.name in result.flat

    python = sh.new_venv()
    sh.pip_install(python, server, dist.name)
    assert sh.import_value(python, dist.module) == "1.0"

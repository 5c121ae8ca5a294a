"""A private index (``cheeseshop.read_access = authenticated``): every read
answers 401 with a Basic challenge until the client sends credentials, and
pip and uv install with them from wherever their users keep them: the index
URL, ~/.netrc, uv's named-index variables and ``uv auth login``, a keyring.

One project is uploaded once per backend and only read by the tests."""

from __future__ import annotations

import dataclasses
import json
import secrets
import textwrap
from pathlib import Path

import pytest
from cheeseshop_e2e import Shell, User, build_project, isolated_env, write_project

TOKEN_USER = "__token__"
CHALLENGE = 'Basic realm="cheeseshop"'


@dataclasses.dataclass
class Published:
    name: str
    module: str
    wheel: Path
    reader: User  # a user with no role on the project: reading needs none
    token: str  # the reader's read-only token


@pytest.fixture(scope="module")
def published(private_server, clients, tmp_path_factory) -> Published:
    base = tmp_path_factory.mktemp("private-published")
    sh = Shell(clients, isolated_env(base / "home", clients), base, lambda: None)
    owner, reader = private_server.add_user(), private_server.add_user()
    name = f"cs-private-{secrets.token_hex(4)}"
    root = base / "project"
    module = write_project(root, "setuptools", name, "1.0")
    sdist, wheel = build_project(sh, root, "setuptools")
    # uploading needs no read access: twine only POSTs
    sh.twine_upload(private_server, owner, [sdist, wheel])
    token = private_server.create_token(reader.name, "--read-only", "--description", "installs")
    return Published(name, module, wheel, reader, token)


def assert_installed(sh, python, published, result):
    assert sh.installed_version(python, published.name) == "1.0", result.describe()
    assert sh.import_value(python, published.module) == "1.0"


def test_reads_need_credentials(private_server, published):
    token_auth = (TOKEN_USER, published.token)
    status, _, body = private_server.get(f"/pypi/{published.name}/json", auth=token_auth)
    assert status == 200, body[:500]
    urls = {u["filename"]: u["url"] for u in json.loads(body)["urls"]}
    wheel_url = urls[published.wheel.name]

    paths = [
        "/",
        "/simple/",
        f"/simple/{published.name}/",
        f"/pypi/{published.name}/json",
        wheel_url,
        wheel_url + ".metadata",
    ]
    for path in paths:
        status, headers, body = private_server.get(path)
        headers = {k.lower(): v for k, v in headers.items()}
        assert status == 401, path
        assert headers.get("www-authenticate") == CHALLENGE, (path, headers)
        assert b"This index is private" in body, (path, body[:500])

        status, _, body = private_server.get(path, auth=token_auth)
        assert status == 200, (path, body[:500])
    assert body.startswith(b"Metadata-Version:")  # the wheel's .metadata, last

    status, _, wheel = private_server.get(wheel_url, auth=token_auth)
    assert wheel == published.wheel.read_bytes()
    # a user's password reads too; a wrong token is challenged again
    reader = published.reader
    assert private_server.get("/simple/", auth=(reader.name, reader.password))[0] == 200
    status, headers, _ = private_server.get("/simple/", auth=(TOKEN_USER, "pypi-not-a-token"))
    assert status == 401
    assert {k.lower(): v for k, v in headers.items()}["www-authenticate"] == CHALLENGE


def test_without_credentials_nothing_installs(private_server, sh, published):
    python = sh.new_venv()
    # (PIP_NO_INPUT=1: pip does not prompt; it only logs the 401 with -vv)
    pip = sh.pip_install(python, private_server, published.name, check=False)
    assert pip.returncode != 0, pip.describe()
    assert f"No matching distribution found for {published.name}" in pip.flat, pip.describe()

    uv = sh.uv_pip_install(python, private_server, published.name, check=False)
    assert uv.returncode != 0, uv.describe()
    assert "401 Unauthorized" in uv.flat, uv.describe()
    assert sh.installed_version(python, published.name) is None


def test_credentials_in_the_index_url(private_server, sh, published):
    reader = published.reader
    # pip with a password (percent-encoded: it holds ":" and "!")
    python = sh.new_venv()
    result = sh.pip_install(
        python,
        private_server,
        published.name,
        index_url=private_server.simple_url_with(reader.name, reader.password),
    )
    assert_installed(sh, python, published, result)

    # uv with the read-only token
    python = sh.new_venv()
    result = sh.uv_pip_install(
        python,
        private_server,
        published.name,
        index_url=private_server.simple_url_with(TOKEN_USER, published.token),
    )
    assert_installed(sh, python, published, result)


def test_netrc(private_server, sh, published, client_env):
    netrc = Path(client_env["HOME"]) / ".netrc"

    def write_netrc(login, password):
        netrc.write_text(f"machine 127.0.0.1\n  login {login}\n  password {password}\n")
        netrc.chmod(0o600)

    write_netrc(TOKEN_USER, published.token)
    python = sh.new_venv()
    result = sh.pip_install(python, private_server, published.name)
    assert_installed(sh, python, published, result)

    write_netrc(published.reader.name, published.reader.password)
    python = sh.new_venv()
    result = sh.uv_pip_install(python, private_server, published.name)
    assert_installed(sh, python, published, result)


def test_uv_named_index_credentials_from_the_environment(private_server, sh, published):
    python = sh.new_venv()
    result = sh.run(
        [
            sh.tool("uv"),
            "pip",
            "install",
            "--python",
            python,
            "--default-index",
            f"cheeses={private_server.simple_url}",
            published.name,
        ],
        env={"UV_INDEX_CHEESES_USERNAME": TOKEN_USER, "UV_INDEX_CHEESES_PASSWORD": published.token},
    )
    assert_installed(sh, python, published, result)


def test_uv_auth_login(private_server, sh, published):
    uv = sh.tool("uv")
    sh.run([uv, "auth", "login", private_server.url, "--token", published.token])
    python = sh.new_venv()
    result = sh.uv_pip_install(python, private_server, published.name)
    assert_installed(sh, python, published, result)

    # logged out, uv has nothing to send any more
    sh.run([uv, "auth", "logout", private_server.url])
    again = sh.uv_pip_install(
        python, private_server, published.name, extra=["--reinstall", "--no-cache"], check=False
    )
    assert again.returncode != 0, again.describe()
    assert "401 Unauthorized" in again.flat, again.describe()


# A keyring backend as small as a test needs: plaintext JSON beside it.
# (isolated_env forces keyring's null backend; this test swaps in this one
# through keyring's own config file, keyringrc.cfg.)
PLAINTEXT_KEYRING = textwrap.dedent(
    """\
    import json
    from pathlib import Path

    from keyring.backend import KeyringBackend
    from keyring.credentials import SimpleCredential

    STORE = Path(__file__).with_name("keyring.json")


    def load():
        return json.loads(STORE.read_text()) if STORE.exists() else {}


    class PlaintextKeyring(KeyringBackend):
        priority = 1

        def get_password(self, service, username):
            return load().get(service, {}).get(username)

        def set_password(self, service, username, password):
            data = load()
            data.setdefault(service, {})[username] = password
            STORE.write_text(json.dumps(data))

        def delete_password(self, service, username):
            data = load()
            data.get(service, {}).pop(username, None)
            STORE.write_text(json.dumps(data))

        def get_credential(self, service, username):
            entries = load().get(service, {})
            if username is None and entries:
                username = next(iter(entries))
            password = entries.get(username)
            return SimpleCredential(username, password) if password is not None else None
    """
)


def test_keyring(private_server, sh, published, client_env):
    backend = Path(client_env["HOME"]) / "keyring-backend"
    backend.mkdir()
    (backend / "cheeseshop_test_keyring.py").write_text(PLAINTEXT_KEYRING)
    config = Path(client_env["XDG_CONFIG_HOME"]) / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text(
        "[backend]\n"
        "default-keyring = cheeseshop_test_keyring.PlaintextKeyring\n"
        f"keyring-path = {backend}\n"
    )
    env = {"PYTHON_KEYRING_BACKEND": None}  # keyring reads its config file
    netloc = f"127.0.0.1:{private_server.port}"
    sh.run([sh.tool("keyring"), "set", netloc, TOKEN_USER], input=published.token + "\n", env=env)

    # pip asks the keyring executable for the index's host: no username needed.
    # (--keyring-provider import cannot work here: ``pip --python`` runs pip
    # inside the target venv, which has no keyring package.)
    python = sh.new_venv()
    result = sh.pip_install(
        python,
        private_server,
        published.name,
        extra=["--keyring-provider", "subprocess"],
        env=env,
    )
    assert_installed(sh, python, published, result)

    # uv's keyring support needs the username in the index URL
    python = sh.new_venv()
    result = sh.uv_pip_install(
        python,
        private_server,
        published.name,
        index_url=f"http://{TOKEN_USER}@{netloc}/simple/",
        extra=["--keyring-provider", "subprocess"],
        env=env,
    )
    assert_installed(sh, python, published, result)

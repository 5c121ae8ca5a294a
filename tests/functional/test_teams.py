"""A company's index, as its admin runs it from the docs: API tokens for CI,
a private index, roles, disabled users and the audit log. Each test drives
the command line (``cheeseshop -c INI``) and the web app on the same
database, SQLite and PostgreSQL."""

import re
import urllib.parse

import pytest
import webtest
from click.testing import CliRunner
from sqlalchemy import select

from cheeseshop.accounts.users import password_verifications
from cheeseshop.app import main as make_app
from cheeseshop.cli import main as cli_main
from cheeseshop.models.accounts import ApiToken
from tests.factories import PASSWORD, basic_auth, upload

TOKEN = re.compile(r"^pypi-[A-Za-z0-9_-]{43}$")


@pytest.fixture
def ini(tmp_path, settings):
    path = tmp_path / "index.ini"
    lines = ["[app:main]", "use = egg:cheeseshop"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def cli(ini):
    runner = CliRunner()

    def run(*args, input=None, status=0):
        result = runner.invoke(cli_main, ["-c", str(ini), *args], input=input)
        assert result.exit_code == status, result.output
        return result

    return run


@pytest.fixture
def index(cli, settings):
    """alice owns demo; bob has an account and no role."""
    for name in ("alice", "bob"):
        cli("user", "add", name, "--password-stdin", input=PASSWORD + "\n")
    app = webtest.TestApp(make_app({}, **settings))
    upload(app, ("alice", PASSWORD), "demo", "1.0")
    return app


def token(cli, *args):
    result = cli("token", "create", *args)
    secret = result.stdout.strip()
    assert TOKEN.match(secret), result.output
    return ("__token__", secret)


def test_a_token_uploads_as_its_user_and_is_shown_only_once(cli, index, engine):
    ci = token(cli, "alice", "--description", "CI of demo")
    upload(index, ci, "demo", "2.0")
    upload(index, ci, "alice-tools", "1.0")  # a new project: it is alice's
    files = index.get("/pypi/demo/2.0/json").json["urls"]
    assert [f["filename"] for f in files] == ["demo-2.0-py3-none-any.whl"]

    # Only a keyed hash is stored: the token is nowhere in the database.
    with engine.connect() as connection:
        stored = connection.execute(select(ApiToken.secret_hash)).scalars().all()
    assert len(stored) == 1 and ci[1] not in stored[0] and len(stored[0]) == 64

    listing = cli("token", "list", "alice").output
    assert ci[1] not in listing
    assert re.search(
        r"^1\s+every project of its user\s+CI of demo\s+\S+ \S+\s+\S+ \S+\s+-", listing, re.M
    ), listing


def test_a_project_scoped_token_uploads_there_only(cli, index):
    upload(index, ("alice", PASSWORD), "other", "1.0")
    ci = token(cli, "alice", "--project", "Demo")
    upload(index, ci, "demo", "2.0")
    refused = upload(index, ci, "other", "2.0", status=403)
    assert refused.status == (
        "403 This API token is scoped to other projects than 'other'; "
        "a project-scoped token cannot create a project either."
    )
    # Nor a new project, which would be its user's.
    upload(index, ci, "brand-new", "1.0", status=403)
    assert "upload to demo" in cli("token", "list", "alice").output


def test_a_token_cannot_do_more_than_its_user(cli, index):
    bobs = token(cli, "bob")
    refused = upload(index, bobs, "demo", "2.0", status=403)
    assert refused.status == "403 The user 'bob' isn't allowed to upload to project 'demo'."
    cli("role", "add", "demo", "bob", "--role", "maintainer")
    upload(index, bobs, "demo", "2.0")


def test_a_read_only_token_reads_and_never_uploads(cli, index):
    reader = token(cli, "alice", "--read-only")
    refused = upload(index, reader, "demo", "2.0", status=403)
    assert refused.status == "403 This API token is read-only: it cannot upload."
    index.get("/simple/demo/", headers=basic_auth(reader), status=200)


def test_revoked_expired_or_disabled_tokens_stop_at_the_next_request(cli, index, engine):
    first = token(cli, "alice")
    second = token(cli, "alice")
    upload(index, first, "demo", "2.0")
    revoked = cli("token", "revoke", first[1]).output
    assert revoked == "revoked token 1 of alice\n"
    refused = upload(index, first, "demo", "3.0", status=403)
    assert refused.status == "403 Invalid or non-existent authentication information."
    assert cli("token", "revoke", "1").output == "token 1 of alice was revoked already\n"

    upload(index, second, "demo", "3.0")
    cli("user", "disable", "alice")
    upload(index, second, "demo", "4.0", status=403)
    upload(index, ("alice", PASSWORD), "demo", "4.0", status=403)
    cli("user", "enable", "alice")
    upload(index, second, "demo", "4.0")

    # An expired token: its expiry moved into the past.
    third = token(cli, "alice", "--expires-in", "1")
    upload(index, third, "demo", "5.0")
    with engine.begin() as connection:
        connection.execute(
            ApiToken.__table__.update()
            .where(ApiToken.id == 3)
            .values(expires=ApiToken.__table__.c.created)
        )
    upload(index, third, "demo", "6.0", status=403)


def test_the_last_use_is_recorded(cli, index):
    ci = token(cli, "alice")
    assert re.search(r"^1 .*  -\s+-\s+active$", cli("token", "list", "alice").output, re.M)
    upload(index, ci, "demo", "2.0")
    listing = cli("token", "list", "alice").output
    assert re.search(r"^1 .*\d\d:\d\d\s+-\s+active$", listing, re.M), listing


def test_token_commands_explain_mistakes(cli, index):
    cli("token", "create", "nobody", status=1)
    result = cli("token", "create", "alice", "--project", "nothing-here", status=1)
    assert (
        result.output
        == "Error: No project 'nothing-here': a token can be scoped to existing ones.\n"
    )
    result = cli("token", "create", "alice", "--read-only", "--project", "demo", status=1)
    assert "read-only token reads every project" in result.output
    result = cli("token", "revoke", "pypi-not-one-of-ours", status=1)
    assert result.output == "Error: No such token (it may belong to another index).\n"
    assert cli("token", "revoke", "99", status=1).output == "Error: No token with id 99.\n"


@pytest.fixture
def private_settings(settings):
    return {**settings, "cheeseshop.read_access": "authenticated"}


@pytest.fixture
def private(index, private_settings):
    """The same index, private."""
    return webtest.TestApp(make_app({}, **private_settings))


READS = [
    "/",
    "/simple/",
    "/simple/demo/",
    "/simple/no-such-project/",
    "/pypi/demo/json",
    "/pypi/demo/1.0/json",
    "/no-such-page",
]


def _file_urls(app, credentials):
    page = app.get(
        "/simple/demo/",
        headers={**basic_auth(credentials), "Accept": "application/vnd.pypi.simple.v1+json"},
    ).json
    path = urllib.parse.urlsplit(page["files"][0]["url"]).path
    return [path, path + ".metadata"]


def test_a_private_index_answers_nobody_without_credentials(private):
    paths = READS + _file_urls(private, ("alice", PASSWORD))
    for path in paths:
        for method in (private.get, private.head):
            response = method(path, status=401)
            assert response.headers["WWW-Authenticate"] == 'Basic realm="cheeseshop"'
            # No data: not even whether the project exists.
            assert b"demo" not in response.body
        wrong = private.get(path, headers=basic_auth(("alice", "wrong")), status=401)
        assert wrong.status == "401 Invalid or non-existent authentication information."


def test_a_private_index_serves_users_and_tokens(cli, private):
    reader = token(cli, "bob", "--read-only")
    for credentials in (("alice", PASSWORD), ("bob", PASSWORD), reader):
        headers = basic_auth(credentials)
        for path in READS[:3] + READS[4:6] + _file_urls(private, credentials):
            private.get(path, headers=headers, status=200)
        private.get("/simple/no-such-project/", headers=headers, status=404)


def test_no_shared_cache_may_keep_a_private_read(private):
    headers = basic_auth(("alice", PASSWORD))
    for path in ["/simple/", "/simple/demo/", "/pypi/demo/json"] + _file_urls(
        private, ("alice", PASSWORD)
    ):
        cache_control = private.get(path, headers=headers).headers["Cache-Control"]
        assert "private" in cache_control and "public" not in cache_control, (path, cache_control)
    etag = private.get("/simple/demo/", headers=headers).headers["ETag"]
    not_modified = private.get(
        "/simple/demo/", headers={**headers, "If-None-Match": etag}, status=304
    )
    assert not_modified.headers["Cache-Control"] == "max-age=0, must-revalidate, private"


def test_uploading_to_a_private_index_is_unchanged(cli, private):
    upload(private, ("alice", PASSWORD), "demo", "2.0")
    upload(private, token(cli, "alice", "--project", "demo"), "demo", "3.0")
    anonymous = private.post("/legacy/", {":action": "file_upload"}, status=401)
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="pypi"'


def test_reads_with_a_password_are_verified_once_then_remembered(private, cli):
    start = password_verifications()
    headers = basic_auth(("bob", PASSWORD))
    for _ in range(5):
        private.get("/simple/demo/", headers=headers)
    assert password_verifications() - start == 1
    # A wrong password is never taken for the remembered one.
    private.get("/simple/demo/", headers=basic_auth(("bob", PASSWORD + "x")), status=401)
    assert password_verifications() - start == 2

    # A new password ends it at the next request; so does disabling.
    cli("user", "passwd", "bob", "--password-stdin", input="new one\n")
    private.get("/simple/demo/", headers=headers, status=401)
    new = basic_auth(("bob", "new one"))
    private.get("/simple/demo/", headers=new)
    cli("user", "disable", "bob")
    private.get("/simple/demo/", headers=new, status=401)
    # Uploads always verify the password.
    before = password_verifications()
    upload(private, ("alice", PASSWORD), "demo", "2.0")
    upload(private, ("alice", PASSWORD), "demo", "3.0")
    assert password_verifications() - before == 2


def test_the_audit_log_tells_who_did_what(cli, index):
    ci = token(cli, "alice", "--project", "demo")
    from_ci = webtest.TestApp(index.app, extra_environ={"REMOTE_ADDR": "10.1.2.3"})
    upload(from_ci, ci, "demo", "2.0")
    upload(index, ("bob", "guess"), "demo", "2.0", status=403)
    cli("role", "add", "demo", "bob", "--role", "maintainer")
    cli("role", "remove", "demo", "bob")
    cli("yank", "demo", "1.0", "--reason", "broken")
    cli("unyank", "demo", "1.0")
    cli("status", "demo", "archived")
    cli("user", "passwd", "bob", "--password-stdin", input="other\n")
    cli("user", "disable", "bob")
    cli("token", "revoke", "1")

    lines = cli("audit").output.splitlines()
    events = [re.split(r"\s{2,}", line)[1] for line in lines]
    assert events == [
        "user added",
        "user added",
        "login",
        "upload",
        "token created",
        "token first used",
        "upload",
        "login failed",
        "role added",
        "role removed",
        "yank",
        "unyank",
        "status changed",
        "password changed",
        "user disabled",
        "token revoked",
    ]
    by_token = [line for line in lines if "demo-2.0" in line]
    assert len(by_token) == 1
    assert "by alice  from 10.1.2.3  user=alice  project=demo" in by_token[0]
    assert "(token 1)" in by_token[0]
    # Never a secret.
    text = "\n".join(lines)
    assert ci[1] not in text and PASSWORD not in text and "guess" not in text

    about_bob = cli("audit", "--user", "bob").output
    assert [re.split(r"\s{2,}", line)[1] for line in about_bob.splitlines()] == [
        "user added",
        "login failed",
        "role added",
        "role removed",
        "password changed",
        "user disabled",
    ]
    about_demo = cli("audit", "--project", "Demo").output.splitlines()
    assert len(about_demo) == 7
    assert cli("audit", "--since", "2999-01-01").output == "no events\n"

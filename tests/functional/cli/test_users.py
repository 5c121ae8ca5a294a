"""``cheeseshop user``, run in-process with click's CliRunner: the users it
adds can upload."""

import webtest

from cheeseshop.app import main as make_app
from tests.factories import PASSWORD, assert_one_line_error, basic_auth, upload


def test_user_add_reads_the_password_from_stdin(cli, data_dir):
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, (upgraded.output, upgraded.exception)
    result = cli(
        "user",
        "add",
        "alice",
        "--email",
        "alice@example.org",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "created user alice\n"
    # The password is the line, without its newline: uploads authenticate.
    testapp = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(data_dir)}))
    upload(testapp, ("alice", PASSWORD), "demo", "1.0")
    response = testapp.post(
        "/legacy/",
        {":action": "submit", "metadata_version": "1.0", "name": "x", "version": "1"},
        headers=basic_auth(("alice", PASSWORD + "\n")),
        status=403,
    )
    assert "Invalid or non-existent authentication" in response.status


def test_user_add_errors_are_one_line(cli):
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, (upgraded.output, upgraded.exception)
    assert cli("user", "add", "alice", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    assert_one_line_error(
        cli("user", "add", "alice", "--password-stdin", input="other password\n"),
        "User 'alice' already exists.",
    )
    assert_one_line_error(
        cli("user", "add", "bob", "--password-stdin", input="\n"),
        "The password must not be empty.",
    )
    result = cli("user", "add", "bad name", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid username 'bad name'")
    assert result.output.count("\n") == 1

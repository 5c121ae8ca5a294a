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


def test_user_list_and_passwd(cli, data_dir):
    assert cli("db", "upgrade").exit_code == 0
    empty = cli("user", "list")
    assert empty.exit_code == 0
    assert empty.stdout == ""
    assert cli("user", "add", "bob", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    added = cli(
        "user",
        "add",
        "alice",
        "--email",
        "alice@example.org",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert added.exit_code == 0
    lines = cli("user", "list").output.splitlines()
    assert [line.split()[0] for line in lines] == ["alice", "bob"]
    assert lines[0].split()[1] == "alice@example.org"
    assert lines[1].split()[1] == "-"
    assert all(line.endswith("  active") for line in lines)

    changed = cli("user", "passwd", "alice", "--password-stdin", input="new secret\n")
    assert changed.exit_code == 0, changed.output
    assert changed.output == "password of alice changed\n"
    testapp = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(data_dir)}))
    upload(testapp, ("alice", "new secret"), "demo", "1.0")
    upload(testapp, ("alice", PASSWORD), "demo", "2.0", status=403)
    upload(testapp, ("bob", PASSWORD), "other", "1.0")

    assert_one_line_error(
        cli("user", "passwd", "carol", "--password-stdin", input="x\n"), "No user 'carol'."
    )
    assert_one_line_error(
        cli("user", "passwd", "alice", "--password-stdin", input="\n"),
        "The password must not be empty.",
    )

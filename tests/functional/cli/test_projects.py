"""The ``cheeseshop`` command line, run in-process with click's CliRunner:
what an operator types and reads, and what the index serves afterwards."""

import pytest
import webtest

from cheeseshop.app import main as make_app
from tests import factories
from tests.factories import basic_auth, upload_form

PASSWORD = "a long enough secret"


def assert_one_line_error(result, message):
    """A failed command: non-zero, and one line saying why, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {message}\n"
    assert isinstance(result.exception, SystemExit)  # not an uncaught exception


def upload(testapp, credentials, name, version):
    params, files = upload_form(
        name, version, factories.wheel_filename(name, version), factories.wheel(name, version)
    )
    return testapp.post("/legacy/", params, upload_files=files, headers=basic_auth(credentials))


@pytest.fixture
def served(cli, data_dir):
    """The data directory's index, with alice (added by the CLI) and demo 1.0."""
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, (upgraded.output, upgraded.exception)
    assert cli("user", "add", "alice", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    testapp = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(data_dir)}))
    upload(testapp, ("alice", PASSWORD), "demo", "1.0")
    return testapp


def test_db_upgrade_creates_the_index(cli, data_dir):
    assert not data_dir.exists()
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output == "database is up to date\n"
    assert (data_dir / "cheeseshop.sqlite").is_file()
    again = cli("db", "upgrade")  # idempotent
    assert again.exit_code == 0 and again.output == "database is up to date\n"


def test_user_add_reads_the_password_from_stdin(cli, data_dir):
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, (upgraded.output, upgraded.exception)
    result = cli("user", "add", "alice", "--email", "alice@example.org", "--password-stdin",
                 input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.output == "created user alice\n"
    # The password is the line, without its newline: uploads authenticate.
    testapp = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(data_dir)}))
    upload(testapp, ("alice", PASSWORD), "demo", "1.0")
    response = testapp.post(
        "/legacy/", {":action": "submit", "metadata_version": "1.0", "name": "x", "version": "1"},
        headers=basic_auth(("alice", PASSWORD + "\n")), status=403,
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


def test_yank_and_unyank(cli, served):
    result = cli("yank", "demo", "1.0", "--reason", "broken build")
    assert result.exit_code == 0, result.output
    assert result.output == "yanked demo 1.0\n"
    (entry,) = served.get("/pypi/demo/json").json["releases"]["1.0"]
    assert (entry["yanked"], entry["yanked_reason"]) == (True, "broken build")
    assert 'data-yanked="broken build"' in served.get("/simple/demo/").text

    result = cli("unyank", "Demo", "1.0")  # any spelling of the name
    assert result.exit_code == 0, result.output
    assert result.output == "un-yanked demo 1.0\n"
    (entry,) = served.get("/pypi/demo/json").json["releases"]["1.0"]
    assert (entry["yanked"], entry["yanked_reason"]) == (False, None)
    assert "data-yanked" not in served.get("/simple/demo/").text

    assert_one_line_error(cli("unyank", "demo", "1.0"), "demo 1.0 is not yanked")


def test_yank_errors_are_one_line(cli, served):
    assert_one_line_error(cli("yank", "nope", "1.0"), "project 'nope' not found")
    assert_one_line_error(cli("unyank", "nope", "1.0"), "project 'nope' not found")
    assert_one_line_error(cli("yank", "demo", "9.9"), "project 'demo' has no release '9.9'")
    assert served.get("/pypi/demo/json").json["info"]["yanked"] is False


def test_status(cli, served):
    result = cli("status", "demo", "archived", "--reason", "moved to demo2")
    assert result.exit_code == 0, result.output
    assert result.output == "demo is archived\n"
    page = served.get("/simple/demo/").text
    assert '<meta name="pypi:project-status" content="archived">' in page
    assert '<meta name="pypi:project-status-reason" content="moved to demo2">' in page
    params, files = upload_form("demo", "2.0", factories.wheel_filename("demo", "2.0"),
                                factories.wheel("demo", "2.0"))
    response = served.post("/legacy/", params, upload_files=files,
                           headers=basic_auth(("alice", PASSWORD)), status=400)
    assert "Project 'demo' is archived" in response.status

    assert cli("status", "demo", "active").exit_code == 0
    assert served.get("/simple/demo/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
                      ).json["project-status"] == {"status": "active"}

    assert_one_line_error(cli("status", "nope", "archived"), "project 'nope' not found")
    result = cli("status", "demo", "deleted")
    assert result.exit_code == 2  # a usage error, listing the statuses
    assert "'deleted' is not one of 'active', 'archived', 'quarantined', 'deprecated'" in result.output


def test_data_and_config_together_is_a_usage_error(cli, data_dir, tmp_path):
    ini = tmp_path / "production.ini"
    ini.write_text("[app:main]\nuse = egg:cheeseshop\n")
    result = cli("db", "upgrade", options=["--data", str(data_dir), "-c", str(ini)])
    assert result.exit_code == 2
    assert "use --data or -c, not both" in result.output
    assert not data_dir.exists()


def test_missing_ini_file_is_a_one_line_error(cli, tmp_path):
    assert_one_line_error(
        cli("db", "upgrade", options=["-c", str(tmp_path / "missing.ini")]),
        f"no such ini file: {tmp_path / 'missing.ini'}",
    )


def test_commands_with_an_ini_file(cli, settings, testapp, tmp_path):
    """``-c``: the database of the ini, SQLite or PostgreSQL alike."""
    ini = tmp_path / "production.ini"
    ini.write_text(
        "[app:main]\nuse = egg:cheeseshop\n"
        + "".join(f"{key} = {value}\n" for key, value in settings.items())
    )
    options = ["-c", str(ini)]
    assert cli("db", "upgrade", options=options).exit_code == 0
    result = cli("user", "add", "carol", "--password-stdin", input=PASSWORD + "\n", options=options)
    assert result.exit_code == 0, result.output
    upload(testapp, ("carol", PASSWORD), "demo", "1.0")
    result = cli("yank", "demo", "1.0", "--reason", "bad", options=options)
    assert result.output == "yanked demo 1.0\n"
    assert testapp.get("/pypi/demo/1.0/json").json["info"]["yanked_reason"] == "bad"
    assert_one_line_error(
        cli("user", "add", "carol", "--password-stdin", input="x\n", options=options),
        "User 'carol' already exists.",
    )

"""What a new user runs into on the command line: every failure is one
``Error:`` line and a non-zero exit, never a traceback, and no command but
``serve`` and ``db upgrade`` quietly makes a second, empty index."""

import os

import pytest
from click.testing import CliRunner

import cheeseshop.cli
from cheeseshop.cli import main

PASSWORD = "a long enough secret"


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def assert_one_line_error(result, starts_with):
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no uncaught exception
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: " + starts_with), result.output


def test_version():
    from importlib.metadata import version

    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"cheeseshop, version {version('cheeseshop')}\n"


def test_serve_refuses_an_impossible_port(tmp_path):
    result = run("--data", str(tmp_path), "serve", "--port", "99999")
    assert result.exit_code == 2  # a usage error, naming the range
    assert "99999 is not in the range 1<=x<=65535" in result.output
    assert not (tmp_path / "cheeseshop.sqlite").exists()


def test_serve_with_a_bad_port_in_the_ini(tmp_path):
    ini = tmp_path / "index.ini"
    ini.write_text(
        f"[app:main]\ncheeseshop.data_dir = {tmp_path / 'data'}\n"
        "[server:main]\nlisten = 127.0.0.1:http\n"
    )
    assert_one_line_error(
        run("-c", str(ini), "serve"), "[server:main] listen port = http: not a whole number"
    )


def test_an_ini_without_app_main(tmp_path):
    ini = tmp_path / "index.ini"
    ini.write_text("[server:main]\nlisten = 127.0.0.1:6543\n")
    for command in (["serve"], ["db", "upgrade"], ["user", "list"]):
        assert_one_line_error(run("-c", str(ini), *command), f"{ini} has no [app:main] section")


def test_an_unknown_setting_in_the_ini_names_the_closest(tmp_path):
    ini = tmp_path / "index.ini"
    ini.write_text(f"[app:main]\ncheeseshop.data_dir = {tmp_path}\ncheeseshop.max_filesize = 10\n")
    assert_one_line_error(
        run("-c", str(ini), "db", "upgrade"),
        f"{ini}: cheeseshop.max_filesize is not a cheeseshop setting; "
        "did you mean cheeseshop.max_file_size?",
    )


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["db", "upgrade"]])
def test_data_on_an_impossible_path(tmp_path, command):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    assert_one_line_error(run("--data", str(a_file / "index"), *command), "")
    assert a_file.read_text() == "not a folder"


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["db", "upgrade"]])
def test_data_on_an_unwritable_path(command):
    # /proc refuses new folders even to root, who may write anywhere else.
    assert_one_line_error(run("--data", "/proc/cheeseshop-index", *command), "")


@pytest.mark.parametrize(
    "command",
    [
        ["user", "add", "alice", "--password-stdin"],
        ["user", "list"],
        ["yank", "demo", "1.0"],
        ["status", "demo", "archived"],
        ["fsck"],
    ],
)
def test_commands_refuse_a_folder_without_an_index(tmp_path, command):
    folder = tmp_path / "elsewhere"
    result = run("--data", str(folder), *command, input=PASSWORD + "\n")
    assert_one_line_error(
        result, f"no index in {folder} (database file {folder}/cheeseshop.sqlite)"
    )
    assert not (folder / "cheeseshop.sqlite").exists()


def test_the_default_folder_is_named_when_it_holds_no_index(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(run("user", "list"), "no index in var (database file")
    assert not os.path.exists(tmp_path / "var" / "cheeseshop.sqlite")


def test_the_command_line_module_has_no_traceback_path():
    # The group that turns machine and configuration failures into one line
    # is the one every command runs under.
    assert isinstance(main, cheeseshop.cli.CommandLine)


# None in sys.modules: imports of the name fail as if it were not installed.
BLOCK_IMPORTS = """
import sys
sys.modules.update(dict.fromkeys({blocked!r}))
from cheeseshop.cli import main
sys.exit(main(prog_name="cheeseshop"))
"""


@pytest.mark.parametrize(
    "blocked, settings, message",
    [
        (
            {"boto3", "botocore"},
            "cheeseshop.storage = s3\ncheeseshop.storage.bucket = b\n",
            "cheeseshop.storage = s3 needs boto3, which is not installed: "
            "pip install 'cheeseshop[s3]'",
        ),
        (
            {"psycopg"},
            "sqlalchemy.url = postgresql+psycopg://u@127.0.0.1:1/x\n",
            "sqlalchemy.url = postgresql+psycopg://... needs psycopg, which is not installed: "
            "pip install 'cheeseshop[postgresql]'",
        ),
    ],
)
def test_an_optional_backend_without_its_extra(tmp_path, blocked, settings, message):
    """A laptop install has neither boto3 nor psycopg; choosing S3 or
    PostgreSQL then says which extra to install (a Python with the imports
    blocked stands in for that install)."""
    import subprocess
    import sys

    ini = tmp_path / "index.ini"
    ini.write_text(f"[app:main]\ncheeseshop.data_dir = {tmp_path}\n{settings}")
    import os

    # The test scripts' own CHEESESHOP_* variables would add a warning line.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHEESESHOP_")}
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_IMPORTS.format(blocked=blocked), "-c", str(ini), "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [f"Error: {ini}: {message}"]


@pytest.mark.parametrize("command", [["user", "list"], ["db", "upgrade"], ["serve", "--port", "1"]])
def test_an_unreachable_database_is_named_the_same_way_by_every_command(tmp_path, command):
    ini = tmp_path / "index.ini"
    ini.write_text(
        "[app:main]\nsqlalchemy.url = postgresql+psycopg://app:secret@127.0.0.1:1/index\n"
        f"cheeseshop.storage.path = {tmp_path}\n"
    )
    result = run("-c", str(ini), *command)
    assert_one_line_error(
        result, "cannot use the database postgresql+psycopg://app:***@127.0.0.1:1/index ("
    )
    assert "secret" not in result.output


def test_storage_migrate_reads_the_target_ini_without_this_index_s_variables(tmp_path, monkeypatch):
    import webtest

    from cheeseshop.app import main as make_app
    from tests import factories

    data = ["--data", str(tmp_path / "index")]
    assert run(*data, "db", "upgrade").exit_code == 0
    assert (
        run(*data, "user", "add", "alice", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    )
    app = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(tmp_path / "index")}))
    factories.upload(app, ("alice", PASSWORD), "demo", "1.0")
    target = tmp_path / "target"
    ini = tmp_path / "target.ini"
    ini.write_text(f"[app:main]\ncheeseshop.storage.path = {target}\n")
    # As a container would export them for the index itself.
    monkeypatch.setenv("CHEESESHOP_STORAGE_PATH", str(tmp_path / "index" / "files"))
    result = run(*data, "storage", "migrate", "--to", str(ini))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "copied 2, skipped 0 already in the target, failed 0"
    assert len([p for p in target.rglob("*") if p.is_file()]) == 2

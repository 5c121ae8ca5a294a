"""Where the command line finds its index: ``--data DIR`` (the embedded
default) or ``-c INI``, never both."""

from tests.factories import PASSWORD, assert_one_line_error, upload


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

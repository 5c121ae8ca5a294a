"""``cheeseshop db``, run in-process with click's CliRunner."""


def test_db_upgrade_creates_the_index(cli, data_dir):
    assert not data_dir.exists()
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output == "database is up to date\n"
    assert (data_dir / "cheeseshop.sqlite").is_file()
    again = cli("db", "upgrade")  # idempotent
    assert again.exit_code == 0 and again.output == "database is up to date\n"

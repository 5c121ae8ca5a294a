import pytest
import webtest
from click.testing import CliRunner

from cheeseshop.app import main as make_app
from cheeseshop.cli import main
from tests.factories import PASSWORD, upload


@pytest.fixture
def data_dir(tmp_path):
    """The embedded default's data directory (not created yet)."""
    return tmp_path / "index"


@pytest.fixture
def cli(data_dir):
    """Run ``cheeseshop [--data data_dir] ARGS`` with click's runner."""
    runner = CliRunner()

    def run(*args, input=None, options=None):
        return runner.invoke(main, [*(options or ["--data", str(data_dir)]), *args], input=input)

    return run


@pytest.fixture
def served(cli, data_dir):
    """The data directory's index, with alice (added by the CLI) and demo 1.0."""
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0, (upgraded.output, upgraded.exception)
    assert cli("user", "add", "alice", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    testapp = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(data_dir)}))
    upload(testapp, ("alice", PASSWORD), "demo", "1.0")
    return testapp

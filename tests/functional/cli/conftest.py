import pytest
from click.testing import CliRunner

from cheeseshop.cli import main


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

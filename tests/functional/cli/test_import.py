"""``cheeseshop import DIR`` and ``cheeseshop import --index URL``, run
in-process with click's CliRunner on an embedded index (``--data DIR``); the
source index of ``--index`` is a real ``cheeseshop serve`` on a loopback
port."""

import hashlib

import pytest
import webtest
from sqlalchemy import create_engine, select

from cheeseshop.app import main as make_app
from cheeseshop.models.catalog import File
from tests import factories
from tests.clients.cheeseshop_e2e import DataDirStore, Server
from tests.factories import PASSWORD, assert_one_line_error, upload

NO_OWNER_HINT = (
    "The {} projects created have no owner: give each one with "
    "'cheeseshop role add PROJECT USER --role owner'.\n"
)


@pytest.fixture
def index(cli):
    """An empty embedded index, with the user bob."""
    assert cli("db", "upgrade").exit_code == 0
    assert cli("user", "add", "bob", "--password-stdin", input=PASSWORD + "\n").exit_code == 0


def put(folder, filename, content):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(content)


def put_distribution(folder, name, version, kind="wheel"):
    filename, content = factories.distribution(name, version, kind)
    put(folder, filename, content)
    return filename


def index_app(data_dir):
    return webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(data_dir)}))


def test_a_pypiserver_folder_flat_and_per_project(cli, index, tmp_path, data_dir):
    packages = tmp_path / "packages"
    put_distribution(packages / "demo", "demo", "1.0")
    put_distribution(packages / "demo", "demo", "1.0", "sdist")
    put_distribution(packages, "other", "2.0")
    put(packages, "other-2.0.tar.gz.asc", b"a signature")

    result = cli("import", str(packages))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "skipped: other-2.0.tar.gz.asc (not a wheel or an sdist (.whl, .tar.gz, .zip))",
        "imported 3, already there 0, conflicts 0, failed 0, skipped 1",
    ]
    assert "importing files" in result.stderr  # the progress bar's label
    assert result.stderr.endswith(NO_OWNER_HINT.format(2))
    page = index_app(data_dir).get(
        "/simple/demo/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    assert [f["filename"] for f in page.json["files"]] == [
        factories.wheel_filename("demo", "1.0"),
        factories.sdist_filename("demo", "1.0"),
    ]
    assert cli("fsck").exit_code == 0


def test_a_run_that_failed_is_finished_by_the_next_one(cli, index, tmp_path):
    packages = tmp_path / "packages"
    put_distribution(packages, "demo", "1.0")
    broken = factories.wheel_filename("demo", "1.1")
    put(packages, broken, b"half a download")

    first = cli("import", str(packages), "--owner", "bob")
    assert first.exit_code == 1, first.output
    assert first.stdout.splitlines()[-1] == (
        "imported 1, already there 0, conflicts 0, failed 1, skipped 0"
    )
    assert first.stdout.startswith(f"failed: {broken} (Invalid distribution file")
    assert "have no owner" not in first.stderr

    put_distribution(packages, "demo", "1.1")  # the download, done again
    second = cli("import", str(packages))
    assert second.exit_code == 0, second.output
    assert second.stdout == "imported 1, already there 1, conflicts 0, failed 0, skipped 0\n"
    assert cli("role", "list", "demo").stdout == "bob  Owner\n"


def test_a_conflicting_file_is_reported_and_left_alone(cli, index, tmp_path, data_dir):
    packages = tmp_path / "packages"
    filename = put_distribution(packages, "demo", "1.0")
    assert cli("import", str(packages)).exit_code == 0
    put(packages, filename, factories.distribution("demo", "1.0", summary="rebuilt")[1])

    result = cli("import", str(packages))

    assert result.exit_code == 1
    assert result.stdout.startswith(f"conflict: {filename} (the index has {filename} with other")
    assert result.stdout.endswith("imported 0, already there 0, conflicts 1, failed 0, skipped 0\n")


def test_what_the_command_refuses_in_one_line(cli, index, tmp_path):
    assert_one_line_error(
        cli("import", str(tmp_path), "--owner", "nobody"),
        "no user 'nobody' (add one with 'cheeseshop user add')",
    )
    assert_one_line_error(
        cli("import", str(tmp_path / "nope")), f"{tmp_path / 'nope'}: not a folder"
    )
    assert cli("import").exit_code == 2  # a usage error: no DIR


@pytest.fixture
def source(cli, tmp_path):
    """Another index, served by a real ``cheeseshop serve``: demo 1.0 (a
    wheel and an sdist, yanked) and other 2.0. (server, data dir)"""
    data = tmp_path / "source"
    options = ["--data", str(data)]
    assert cli("db", "upgrade", options=options).exit_code == 0
    assert cli("user", "add", "alice", "--password-stdin", input=PASSWORD + "\n", options=options)
    testapp = index_app(data)
    upload(testapp, ("alice", PASSWORD), "demo", "1.0", kind="wheel")
    upload(testapp, ("alice", PASSWORD), "demo", "1.0", kind="sdist")
    upload(testapp, ("alice", PASSWORD), "other", "2.0", kind="wheel")
    assert cli("yank", "demo", "1.0", "--reason", "broken", options=options).exit_code == 0
    server = Server(tmp_path / "source-server", DataDirStore(data))
    server.start()
    try:
        yield server, data
    finally:
        server.stop()


def test_an_index_is_copied_and_a_file_whose_bytes_do_not_match_is_refused(
    cli, index, source, data_dir
):
    server, source_data = source
    engine = create_engine(f"sqlite:///{source_data / 'cheeseshop.sqlite'}")
    with engine.connect() as connection:
        paths = dict(connection.execute(select(File.filename, File.path)).all())
    engine.dispose()
    sdist = factories.sdist_filename("demo", "1.0")
    # The source serves bytes that are not the ones its page's sha256 is of.
    stored = source_data / "files" / paths[sdist]
    original = stored.read_bytes()
    stored.write_bytes(b"X" + original[1:])

    result = cli("import", "--index", server.simple_url, "--owner", "bob")

    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"failed: {sdist} (sha256 mismatch: the index's page says ")
    assert lines[0].endswith("; nothing kept)")
    assert lines[1:] == ["imported 2, already there 0, conflicts 0, failed 1, skipped 0"]
    assert "importing projects" in result.stderr

    target = index_app(data_dir)
    demo = target.get("/simple/demo/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    (wheel,) = demo.json["files"]
    assert wheel["filename"] == factories.wheel_filename("demo", "1.0")
    assert wheel["yanked"] == "broken"  # as the source has it
    assert wheel["core-metadata"]  # PEP 658, as an upload has it
    downloaded = target.get(wheel["url"].replace("http://localhost", "")).body
    assert hashlib.sha256(downloaded).hexdigest() == wheel["hashes"]["sha256"]
    wheel_at_source = source_data / "files" / paths[factories.wheel_filename("demo", "1.0")]
    assert downloaded == wheel_at_source.read_bytes()
    assert cli("role", "list", "other").stdout == "bob  Owner\n"

    # The source repaired, the next run brings the one file that failed.
    stored.write_bytes(original)
    again = cli("import", "--index", server.simple_url, "demo", "other")
    assert again.exit_code == 0, again.output
    assert again.stdout == "imported 1, already there 2, conflicts 0, failed 0, skipped 0\n"

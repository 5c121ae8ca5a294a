"""``cheeseshop fsck`` and ``cheeseshop storage migrate``, run in-process with
click's CliRunner on an embedded index (``--data DIR``)."""

import pytest
import webtest
from sqlalchemy import create_engine, select

from cheeseshop.app import main as make_app
from cheeseshop.models.catalog import File
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from cheeseshop.storage.keys import metadata_key
from tests import factories
from tests.factories import PASSWORD, store, upload

STRAY = "ab/cd/ef0123/stray-1.0.tar.gz"


@pytest.fixture
def index(cli, data_dir):
    """demo 1.0, a wheel (with .metadata) and an sdist: their storage keys."""
    assert cli("db", "upgrade").exit_code == 0
    assert cli("user", "add", "alice", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    testapp = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(data_dir)}))
    upload(testapp, ("alice", PASSWORD), "demo", "1.0", kind="wheel")
    upload(testapp, ("alice", PASSWORD), "demo", "1.0", kind="sdist")
    engine = create_engine(f"sqlite:///{data_dir / 'cheeseshop.sqlite'}")
    with engine.connect() as connection:
        paths = dict(connection.execute(select(File.packagetype, File.path)).all())
    engine.dispose()
    return {"wheel": paths["bdist_wheel"], "sdist": paths["sdist"]}


@pytest.fixture
def files(data_dir):
    """The embedded index's storage."""
    return storage_from_settings(
        load_settings(
            {"cheeseshop.storage": "filesystem", "cheeseshop.storage.path": str(data_dir / "files")}
        )
    )


def test_fsck_of_a_clean_index_exits_0(cli, index):
    result = cli("fsck")
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 2 files, 1 metadata files, 3 stored keys: no problems\n"
    assert "checking files" in result.stderr  # the progress bar's label


def test_fsck_lists_each_problem_and_exits_1(cli, index, files):
    files.delete(metadata_key(index["wheel"]))
    store(files, index["sdist"], b"short")
    store(files, STRAY, b"stray")
    result = cli("fsck")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"missing: {metadata_key(index['wheel'])}",
        f"size mismatch: {index['sdist']} (db {len(factories.sdist('demo', '1.0'))}, stored 5)",
        f"orphan: {STRAY}",
        "checked 2 files, 1 metadata files, 3 stored keys: "
        "3 problems (missing: 1, size mismatch: 1, orphan: 1)",
    ]


def test_fsck_repair_removes_orphans_and_then_exits_0(cli, index, files):
    store(files, STRAY, b"stray")
    store(files, STRAY + ".metadata", b"Name: stray\n")
    result = cli("fsck", "--repair")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"orphan: {STRAY}",
        f"orphan: {STRAY}.metadata",
        "checked 2 files, 1 metadata files, 5 stored keys: 2 problems (orphan: 2)",
        "orphans and partial writes removed: 2",
    ]
    assert sorted(files.keys()) == sorted(
        [index["wheel"], metadata_key(index["wheel"]), index["sdist"]]
    )
    assert cli("fsck").exit_code == 0


def test_fsck_repair_never_touches_rows_or_referenced_bytes(cli, index, files):
    store(files, index["wheel"], b"corrupted")
    store(files, STRAY, b"stray")
    result = cli("fsck", "--repair")
    assert result.exit_code == 1, result.output
    assert f"size mismatch: {index['wheel']} (db " in result.stdout
    assert result.stdout.endswith("orphans and partial writes removed: 1\n")
    again = cli("fsck")
    assert again.exit_code == 1
    assert again.stdout.splitlines()[0].startswith(f"size mismatch: {index['wheel']} (db ")
    assert again.stdout.splitlines()[1] == (
        "checked 2 files, 1 metadata files, 3 stored keys: 1 problem (size mismatch: 1)"
    )


def write_ini(path, settings):
    lines = ["[app:main]", "use = egg:cheeseshop"] + [f"{k} = {v}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_storage_migrate_copies_to_s3_and_a_rerun_skips(cli, index, s3_bucket, data_dir, tmp_path):
    target_ini = write_ini(tmp_path / "s3.ini", s3_bucket)
    result = cli("storage", "migrate", "--to", target_ini)
    assert result.exit_code == 0, result.output
    assert result.stdout == "copied 3, skipped 0 already in the target, failed 0\n"
    assert "copying files" in result.stderr

    again = cli("storage", "migrate", "--to", target_ini)
    assert again.exit_code == 0, again.output
    assert again.stdout == "copied 0, skipped 3 already in the target, failed 0\n"

    # The operator switches the ini to the new storage: the index is whole.
    switched = write_ini(
        tmp_path / "switched.ini",
        {"sqlalchemy.url": f"sqlite:///{data_dir / 'cheeseshop.sqlite'}", **s3_bucket},
    )
    checked = cli("fsck", options=["-c", switched])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "checked 2 files, 1 metadata files, 3 stored keys: no problems\n"


def test_storage_migrate_reports_a_corrupted_file_and_exits_1(
    cli, index, files, s3_bucket, tmp_path
):
    with files.open(index["wheel"]) as stream:
        wheel = stream.read()
    store(files, index["wheel"], bytes(len(wheel)))
    result = cli("storage", "migrate", "--to", write_ini(tmp_path / "s3.ini", s3_bucket))
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"failed: {index['wheel']} (sha256 mismatch: the source's bytes are not the recorded ones)",
        "copied 2, skipped 0 already in the target, failed 1",
    ]
    target = storage_from_settings(load_settings(s3_bucket))
    assert not target.exists(index["wheel"])


def test_storage_migrate_to_a_bad_target_is_a_one_line_error(cli, index, s3_bucket, tmp_path):
    no_bucket = {**s3_bucket, "cheeseshop.storage.bucket": "no-such-bucket"}
    target_ini = write_ini(tmp_path / "s3.ini", no_bucket)
    result = cli("storage", "migrate", "--to", target_ini)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {target_ini}: cheeseshop.storage = s3: ")
    assert len(result.output.splitlines()) == 1

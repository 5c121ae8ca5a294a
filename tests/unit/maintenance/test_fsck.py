"""fsck against a real index: files uploaded through the app, stored in a
folder, rows on SQLite and PostgreSQL."""

import hashlib

import pytest

from cheeseshop.maintenance import fsck, referenced
from cheeseshop.maintenance.fsck import MISSING, ORPHAN, SHA256_MISMATCH, SIZE_MISMATCH, Problem
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from cheeseshop.storage.keys import file_key, metadata_key
from tests import factories
from tests.factories import read, store, upload


@pytest.fixture
def storage(settings):
    return storage_from_settings(load_settings(settings))


def test_a_clean_index_is_clean(index, engine, storage):
    rows_done = []
    report = fsck.check_index(engine, storage, progress=rows_done.append)
    assert report.problems == []
    assert report.clean
    assert (report.files, report.metadata_files, report.stored_keys) == (2, 1, 3)
    assert sum(rows_done) == 2 == referenced.count_files(engine)
    assert report.summary() == "checked 2 files, 1 metadata files, 3 stored keys: no problems"


def test_deleted_bytes_are_missing(index, engine, storage):
    storage.delete(index["sdist"])
    storage.delete(metadata_key(index["wheel"]))
    report = fsck.check_index(engine, storage)
    # In upload order: the wheel's row comes first.
    assert report.problems == [
        Problem(MISSING, metadata_key(index["wheel"])),
        Problem(MISSING, index["sdist"]),
    ]
    assert not report.clean


def test_overwritten_bytes_are_a_sha256_mismatch(index, engine, storage):
    original = read(storage, index["wheel"])
    store(storage, index["wheel"], bytes(len(original)))  # same size, other bytes
    metadata = read(storage, metadata_key(index["wheel"]))
    store(storage, metadata_key(index["wheel"]), metadata.replace(b"demo", b"omed"))
    report = fsck.check_index(engine, storage)
    assert report.problems == [
        Problem(SHA256_MISMATCH, index["wheel"]),
        Problem(SHA256_MISMATCH, metadata_key(index["wheel"])),
    ]
    assert str(report.problems[0]) == f"sha256 mismatch: {index['wheel']}"


def test_truncated_bytes_are_a_size_mismatch(index, engine, storage):
    original = read(storage, index["sdist"])
    store(storage, index["sdist"], original[:-10])
    report = fsck.check_index(engine, storage)
    detail = f"db {len(original)}, stored {len(original) - 10}"
    assert report.problems == [Problem(SIZE_MISMATCH, index["sdist"], detail)]
    assert str(report.problems[0]) == f"size mismatch: {index['sdist']} ({detail})"


def test_unreferenced_bytes_are_orphans_and_repair_removes_only_them(index, engine, storage):
    content = b"left behind by a crash"
    orphan = file_key(hashlib.blake2b(content, digest_size=32).hexdigest(), "lost-1.0.tar.gz")
    store(storage, orphan, content)
    store(storage, metadata_key(orphan), b"Name: lost\n")
    report = fsck.check_index(engine, storage)
    assert sorted(report.problems, key=lambda p: p.key) == [
        Problem(ORPHAN, orphan),
        Problem(ORPHAN, metadata_key(orphan)),
    ]
    assert report.stored_keys == 5
    assert not report.clean

    fsck.remove_orphans(engine, storage, report)
    assert sorted(report.removed) == [orphan, metadata_key(orphan)]
    assert report.clean and report.remaining == []
    assert not storage.exists(orphan) and not storage.exists(metadata_key(orphan))
    assert sorted(storage.keys()) == sorted(
        [index["wheel"], metadata_key(index["wheel"]), index["sdist"]]
    )
    assert fsck.check_index(engine, storage).problems == []


def test_repair_leaves_the_other_problems(index, engine, storage):
    storage.delete(index["sdist"])
    store(storage, "ab/cd/ef/stray.whl", b"stray")
    report = fsck.check_index(engine, storage)
    assert set(report.problems) == {
        Problem(MISSING, index["sdist"]),
        Problem(ORPHAN, "ab/cd/ef/stray.whl"),
    }
    fsck.remove_orphans(engine, storage, report)
    assert report.removed == ["ab/cd/ef/stray.whl"]
    assert report.remaining == [Problem(MISSING, index["sdist"])]
    assert not report.clean


def test_repair_keeps_an_orphan_whose_row_committed_since_the_scan(
    index, engine, storage, testapp, alice
):
    # An upload in flight: its bytes are stored, its row not yet committed.
    content = factories.wheel("demo", "2.0")
    filename = factories.wheel_filename("demo", "2.0")
    key = file_key(hashlib.blake2b(content, digest_size=32).hexdigest(), filename)
    store(storage, key, content)
    report = fsck.check_index(engine, storage)
    assert report.problems == [Problem(ORPHAN, key)]

    upload(
        testapp, alice, "demo", "2.0", filename=filename, content=content
    )  # ...and now it commits
    fsck.remove_orphans(engine, storage, report)
    assert report.removed == []
    assert report.now_referenced == [key]
    assert report.clean
    assert read(storage, key) == content
    assert fsck.check_index(engine, storage).problems == []

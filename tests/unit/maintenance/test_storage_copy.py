"""Copying an index's files from a folder to S3 (moto's server over HTTP),
rows on SQLite and PostgreSQL."""

import hashlib
import io

import pytest

from cheeseshop.maintenance import referenced
from cheeseshop.maintenance import storage_copy as migrate
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from cheeseshop.storage.keys import file_key, metadata_key
from tests.factories import read, store


@pytest.fixture
def source(settings):
    return storage_from_settings(load_settings(settings))


@pytest.fixture
def target(s3_bucket):
    return storage_from_settings(load_settings(s3_bucket))


def test_every_referenced_object_is_copied_and_a_second_run_skips_them(
    index, engine, source, target
):
    orphan = file_key(hashlib.blake2b(b"stray", digest_size=32).hexdigest(), "stray-1.0.tar.gz")
    store(source, orphan, b"stray")
    rows_done = []
    report = migrate.copy_referenced(engine, source, target, progress=rows_done.append)
    expected = sorted([index["wheel"], metadata_key(index["wheel"]), index["sdist"]])
    assert (report.copied, report.skipped, report.failures) == (3, 0, [])
    assert report.complete
    assert sum(rows_done) == 2 == referenced.count_files(engine)
    assert sorted(target.keys()) == expected  # referenced objects only, not the orphan
    for key in expected:
        assert read(target, key) == read(source, key)

    again = migrate.copy_referenced(engine, source, target)
    assert (again.copied, again.skipped, again.failures) == (0, 3, [])
    assert again.summary() == "copied 0, skipped 3 already in the target, failed 0"


def test_an_interrupted_copy_resumes(index, engine, source, target):
    store(target, index["sdist"], read(source, index["sdist"]))  # copied before the interruption
    store(target, index["wheel"], b"half")  # a wrong size: copied again
    report = migrate.copy_referenced(engine, source, target)
    assert (report.copied, report.skipped, report.failures) == (2, 1, [])
    assert read(target, index["wheel"]) == read(source, index["wheel"])


def test_a_corrupted_source_object_is_reported_and_not_left_in_the_target(
    index, engine, source, target
):
    original = read(source, index["wheel"])
    store(source, index["wheel"], bytes(len(original)))  # same size, other bytes
    report = migrate.copy_referenced(engine, source, target)
    assert report.failures == [
        migrate.Failure(
            index["wheel"], "sha256 mismatch: the source's bytes are not the recorded ones"
        )
    ]
    assert not report.complete
    assert (report.copied, report.skipped) == (2, 0)
    assert not target.exists(index["wheel"])
    assert sorted(target.keys()) == sorted([metadata_key(index["wheel"]), index["sdist"]])


def test_a_truncated_or_missing_source_object_fails_and_is_not_left_in_the_target(
    index, engine, source, target
):
    original = read(source, index["sdist"])
    store(source, index["sdist"], original[:-1])
    source.delete(metadata_key(index["wheel"]))
    report = migrate.copy_referenced(engine, source, target)
    assert [failure.key for failure in report.failures] == [
        metadata_key(index["wheel"]),
        index["sdist"],
    ]
    assert report.failures[0].reason == "missing in the source"
    assert sorted(target.keys()) == [index["wheel"]]


def test_the_hashing_reader_sees_every_byte_it_passes_on():
    reader = migrate.HashingReader(io.BytesIO(b"x" * 10))
    assert reader.read(4) + reader.read() + reader.read(3) == b"x" * 10
    assert (reader.size, reader.sha256.hexdigest()) == (10, hashlib.sha256(b"x" * 10).hexdigest())

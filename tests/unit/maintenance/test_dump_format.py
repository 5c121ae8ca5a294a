"""The dump's format: rows as JSON and back, the manifest, the archive's
checks; and a dump of every storage backend on either database loaded into
the other database."""

import datetime
import decimal
import hashlib
import io

import pytest
import sqlalchemy as sa
import webtest

from cheeseshop.app import main
from cheeseshop.maintenance import archive, row_encoding
from cheeseshop.maintenance.dump import dumped_tables, write_dump
from cheeseshop.maintenance.load import check_target, finish, load_rows_and_files, migrate_to
from cheeseshop.models.catalog import RELEASES
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from tests.factories import read, upload

KINDS = {
    "i": row_encoding.INTEGER,
    "b": row_encoding.BOOLEAN,
    "s": row_encoding.STRING,
    "f": row_encoding.FLOAT,
    "d": row_encoding.DECIMAL,
    "t": row_encoding.DATETIME,
    "day": row_encoding.DATE,
    "time": row_encoding.TIME,
    "j": row_encoding.JSON,
    "bytes": row_encoding.BYTES,
}
ROW = {
    "i": 2**40,
    "b": False,
    "s": "ünïcode \ud800",
    "f": 0.1,
    "d": decimal.Decimal("1.10"),
    "t": datetime.datetime(2024, 2, 29, 23, 59, 59, 999999),
    "day": datetime.date(2024, 2, 29),
    "time": datetime.time(1, 2, 3, 4),
    "j": "null",  # JSON null, which is not SQL NULL
    "bytes": b"\x00\xff",
}


def test_every_kind_comes_back_as_it_was():
    import json

    line = json.dumps(row_encoding.encode(KINDS, ROW))
    assert row_encoding.decode(KINDS, json.loads(line)) == ROW
    nulls = dict.fromkeys(KINDS)
    assert row_encoding.decode(KINDS, row_encoding.encode(KINDS, nulls)) == nulls


@pytest.mark.parametrize(
    "change, message",
    [
        ({"i": True}, "True is not a integer value"),
        ({"b": 1}, "1 is not a boolean value"),
        ({"t": "yesterday"}, "Invalid isoformat string"),
        ({"bytes": "no base64!"}, "Only base64 data is allowed"),
        ({"extra": 1}, "the row's columns are not the manifest's (extra)"),
        (None, "a row is not a JSON object"),
    ],
)
def test_a_value_that_does_not_fit_its_kind_is_refused(change, message):
    row = [1, 2] if change is None else {**row_encoding.encode(KINDS, ROW), **change}
    with pytest.raises(row_encoding.RowError) as raised:
        row_encoding.decode(KINDS, row)
    assert message in str(raised.value)


def test_every_column_of_every_table_has_a_kind():
    for table in dumped_tables():
        for column in table.columns:
            assert row_encoding.kind_of(column) in row_encoding.KINDS


def manifest(**changes):
    fields = dict(
        alembic_revision="0007",
        cheeseshop_version="1.0",
        created="2024-01-01T00:00:00Z",
        scrubbed=False,
        tables=(archive.DumpedTable("users", {"id": "integer"}, 2),),
        files=1,
        file_bytes=3,
    )
    return archive.Manifest(**{**fields, **changes})


def test_the_manifest_reads_back():
    assert archive.Manifest.from_json(manifest().to_json()) == manifest()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"{", "manifest.json is not JSON"),
        (b'{"format": "zip"}', "not a cheeseshop dump (manifest.json is another program's)"),
        (
            b'{"format": "cheeseshop-dump", "format_version": 2, "cheeseshop_version": "9.0"}',
            "the dump's format version 2 is newer than this cheeseshop reads (1): "
            "load it with the cheeseshop '9.0' that made it, or a newer one",
        ),
        (b'{"format": "cheeseshop-dump", "format_version": 1}', "manifest.json is malformed"),
    ],
)
def test_a_foreign_manifest_is_refused(data, message):
    with pytest.raises(archive.ArchiveError) as raised:
        archive.Manifest.from_json(data)
    assert str(raised.value).startswith(message)


def written(members):
    out = io.BytesIO()
    writer = archive.ArchiveWriter(out)
    for name, data in members:
        writer.add_bytes(name, data)
    writer.close()
    return io.BytesIO(out.getvalue())


def test_members_are_verified_as_they_are_read():
    stream = written([("manifest.json", manifest().to_json()), ("files/a/b", b"abc")])
    reader = archive.ArchiveReader(stream)
    assert reader.read_manifest() == manifest()
    member = reader.next_member()
    assert (member.name, member.read(), member.verify()) == ("files/a/b", b"abc", None)
    assert reader.next_member() is None

    damaged = bytearray(written([("manifest.json", manifest().to_json())]).getvalue())
    damaged[damaged.index(b'"users"') + 1] ^= 0x20  # "Users": still JSON
    with pytest.raises(archive.ArchiveError, match="manifest.json: the bytes are damaged"):
        archive.ArchiveReader(io.BytesIO(bytes(damaged))).read_manifest()


def test_a_member_read_in_part_is_not_verified():
    reader = archive.ArchiveReader(written([("files/a/b", b"abcdef")]))
    member = reader.next_member()
    member.read(2)
    with pytest.raises(archive.ArchiveError, match="files/a/b: 2 of 6 bytes read"):
        member.verify()


@pytest.fixture
def source(backend_settings, alice):
    """An index on each database and storage backend: a wheel (with its
    .metadata) and an sdist, and releases whose JSON columns hold SQL NULL
    and JSON null."""
    testapp = webtest.TestApp(main({}, **backend_settings))
    upload(testapp, alice, "demo", "1.0", kind="wheel")
    upload(testapp, alice, "demo", "1.0", kind="sdist")
    engine = sa.create_engine(backend_settings["sqlalchemy.url"])
    with engine.begin() as connection:
        connection.execute(
            RELEASES.update().values(classifiers=sa.null(), project_urls=sa.JSON.NULL)
        )
    engine.dispose()
    return load_settings(backend_settings)


def json_texts(url):
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                sa.cast(RELEASES.c.classifiers, sa.Text), sa.cast(RELEASES.c.project_urls, sa.Text)
            )
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_dump_loads_into_the_other_database(source, engine, tmp_path, request):
    """SQLite into PostgreSQL, PostgreSQL into SQLite; the files of every
    backend (the SQL backend's blobs included) into a folder."""
    storage = storage_from_settings(source)
    out = io.BytesIO()
    report = write_dump(engine, storage, out)
    assert (report.manifest.files, report.manifest.scrubbed) == (3, False)
    assert json_texts(source.database_url) == [(None, "null")]

    if source.database_url.startswith("sqlite"):
        target_url = request.getfixturevalue("empty_postgresql_database")
    else:
        target_url = f"sqlite:///{tmp_path / 'target.sqlite'}"
    target_settings = load_settings(
        {
            "sqlalchemy.url": target_url,
            "cheeseshop.storage": "filesystem",
            "cheeseshop.storage.path": str(tmp_path / "target-files"),
        },
        environ={},
    )
    target = storage_from_settings(target_settings)
    reader = archive.ArchiveReader(io.BytesIO(out.getvalue()))
    loaded_manifest = reader.read_manifest()
    migrate_to(target_url, check_target(target_url, target), loaded_manifest.alembic_revision)
    target_engine = sa.create_engine(target_url)
    try:
        loaded = load_rows_and_files(target_engine, target, reader, loaded_manifest)
        finish(target_url, target_engine, target, loaded_manifest, loaded)
    finally:
        target_engine.dispose()
    assert loaded.verification.clean, loaded.verification.problems
    assert loaded.rows == report.manifest.rows
    assert json_texts(target_url) == [(None, "null")]
    assert {key: hashlib.sha256(read(target, key)).digest() for key in target.keys()} == {
        key: hashlib.sha256(read(storage, key)).digest() for key in storage.keys()
    }

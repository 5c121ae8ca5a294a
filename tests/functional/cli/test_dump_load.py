"""``cheeseshop dump`` and ``cheeseshop load``, run in-process with click's
CliRunner: an embedded index (SQLite and a folder) into PostgreSQL and S3
(moto over HTTP) and back, refusals that touch nothing, and a scrubbed dump
that holds no secret and still serves."""

import hashlib
import io
import json
import tarfile

import pytest
import sqlalchemy as sa
import webtest

from cheeseshop.app import main as make_app
from cheeseshop.maintenance.dump import dumped_tables
from cheeseshop.models.accounts import API_TOKENS
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from tests.factories import PASSWORD, assert_one_line_error, read, stored_files, upload

ALICE = ("alice", PASSWORD)
CLIENT_ADDRESS = "198.51.100.23"
SIMPLE_JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def write_ini(path, settings):
    lines = ["[app:main]", "use = egg:cheeseshop"] + [f"{k} = {v}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def sqlite_url(data_dir):
    return f"sqlite:///{data_dir / 'cheeseshop.sqlite'}"


def data_dir_storage(data_dir):
    return storage_from_settings(load_settings({}, environ={}, data_dir=str(data_dir)))


def index_rows(url):
    """Every dumped table's rows, by primary key."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    dict(row._mapping)
                    for row in connection.execute(
                        sa.select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in dumped_tables()
            }
    finally:
        engine.dispose()


def stored_bytes(storage):
    return {key: hashlib.sha256(read(storage, key)).hexdigest() for key in storage.keys()}


@pytest.fixture
def index(cli, data_dir):
    """An embedded index with something in every table: users with e-mails,
    a token, roles, releases (one yanked, one removed), wheels with their
    .metadata and sdists, audit events from a client address, a failed login.
    Returns the app and the token."""
    assert cli("db", "upgrade").exit_code == 0
    for name in ("alice", "bob"):
        added = cli(
            "user", "add", name, "--email", f"{name}@example.org", "--password-stdin",
            input=PASSWORD + "\n",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
    created = cli("token", "create", "alice", "--description", "CI")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    app = webtest.TestApp(
        make_app({}, **{"cheeseshop.data_dir": str(data_dir)}),
        extra_environ={"REMOTE_ADDR": CLIENT_ADDRESS},
    )
    upload(app, ALICE, "demo", "1.0", kind="wheel")
    scoped = cli("token", "create", "alice", "--project", "demo")
    assert scoped.exit_code == 0, scoped.output
    upload(app, ALICE, "demo", "1.0", kind="sdist")
    upload(
        app,
        ("__token__", scoped.stdout.strip()),
        "demo",
        "2.0",
        kind="wheel",
        summary="Naïve ünïcode",
        classifiers=["Topic :: Utilities"],
    )
    upload(app, ALICE, "other", "0.1", kind="sdist")
    upload(app, ALICE, "other", "0.2", kind="sdist")
    upload(app, ("alice", "wrong password"), "demo", "3.0", status=403)
    assert cli("role", "add", "demo", "bob", "--role", "maintainer").exit_code == 0
    assert cli("yank", "demo", "1.0", "--reason", "broken").exit_code == 0
    assert cli("remove", "other", "0.1", "--yes").exit_code == 0
    return app, token


# What a pull-through cache fetched needs an upstream index to fill; its
# round trip is tested in tests/functional/mirror.
CACHE_CONTENT = {"upstream_projects", "upstream_objects", "upstream_blocks", "upstream_counters"}


def test_round_trip_folder_to_postgresql_s3_and_back(
    cli, index, data_dir, tmp_path, empty_postgresql_database, s3_bucket
):
    app, token = index
    original_rows = index_rows(sqlite_url(data_dir))
    empty = [t for t, rows in original_rows.items() if not rows and t not in CACHE_CONTENT]
    assert not empty, empty
    original_bytes = stored_bytes(data_dir_storage(data_dir))
    assert len(original_bytes) == 6  # 4 files, 2 wheels' .metadata

    dumped = cli("dump", str(tmp_path / "index.tar"))
    assert dumped.exit_code == 0, dumped.output
    rows = sum(len(table) for table in original_rows.values())
    assert dumped.stdout.startswith(
        f"dumped {rows} rows of {len(original_rows)} tables and 6 files"
    )
    assert "dumping files" in dumped.stderr  # the progress bar's label

    # The same token key: the tokens of the embedded index go on working.
    token_key = (data_dir / "token.key").read_text().strip()
    server = {
        "sqlalchemy.url": empty_postgresql_database,
        "cheeseshop.token_key": token_key,
        **s3_bucket,
    }
    server_ini = write_ini(tmp_path / "server.ini", server)
    loaded = cli("load", str(tmp_path / "index.tar"), options=["-c", server_ini])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stdout.splitlines()[0].startswith(
        f"loaded {rows} rows and 6 files ({sum(original_bytes_sizes(data_dir))} bytes)"
    )
    assert loaded.stdout.splitlines()[1:] == [
        "search index rebuilt: 2 projects",
        "checked 4 files, 2 metadata files, 6 stored keys: no problems",
    ]
    assert index_rows(empty_postgresql_database) == original_rows
    s3 = storage_from_settings(load_settings(server, environ={}))
    assert stored_bytes(s3) == original_bytes

    # And back, through a gzipped archive, into a new embedded index.
    again = cli("dump", str(tmp_path / "index.tar.gz"), options=["-c", server_ini])
    assert again.exit_code == 0, again.output
    with open(tmp_path / "index.tar.gz", "rb") as archive:
        assert archive.read(2) == b"\x1f\x8b"
    copy_dir = tmp_path / "copy"
    back = cli("load", str(tmp_path / "index.tar.gz"), options=["--data", str(copy_dir)])
    assert back.exit_code == 0, back.output
    assert index_rows(sqlite_url(copy_dir)) == original_rows
    assert stored_bytes(data_dir_storage(copy_dir)) == original_bytes

    # The loaded server serves, searches, and takes new uploads (its id
    # sequences moved past the loaded ids) with the old token.
    served = webtest.TestApp(make_app({}, **server))
    files = served.get("/simple/demo/", headers=SIMPLE_JSON).json["files"]
    assert [f["filename"] for f in files] == [
        "demo-1.0-py3-none-any.whl",
        "demo-1.0.tar.gz",
        "demo-2.0-py3-none-any.whl",
    ]
    assert files[0]["yanked"] == "broken"
    wheel = served.get(files[0]["url"][files[0]["url"].index("/packages/") :], status=(200, 302))
    if wheel.status_int == 200:
        assert hashlib.sha256(wheel.body).hexdigest() == files[0]["hashes"]["sha256"]
    assert "demo" in served.get("/search/?q=demo").text
    upload(served, ("__token__", token), "demo", "3.0")
    upload(served, ALICE, "demo", "3.0", kind="sdist")  # the password hash came along
    assert "demo-3.0.tar.gz" in served.get("/simple/demo/").text


def original_bytes_sizes(data_dir):
    return [(data_dir / "files" / path).stat().st_size for path in stored_files(data_dir / "files")]


def test_an_older_dump_loads_and_is_upgraded(cli, index, tmp_path, postgresql_server):
    """A dump of revision 0006 (its tables are those of 0007, which only
    adds an index, and of 0008 but the cache's, empty here): the schema is
    built at 0006, loaded, then upgraded."""
    assert cli("dump", str(tmp_path / "index.tar")).exit_code == 0
    rewrite_manifest(tmp_path / "index.tar", tmp_path / "old.tar", alembic_revision="0006")
    loaded = cli("load", str(tmp_path / "old.tar"), options=["--data", str(tmp_path / "new")])
    assert loaded.exit_code == 0, loaded.output
    assert "(cheeseshop " in loaded.stdout and ", revision 0006)" in loaded.stdout
    assert "schema upgraded to revision 0008" in loaded.stdout.splitlines()
    assert loaded.stdout.endswith("6 stored keys: no problems\n")


def rewrite_manifest(source, target, **changes):
    """A copy of the archive ``source`` whose manifest has ``changes``."""
    with tarfile.open(source) as old, tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
            member.size = len(data)
            member.pax_headers = {"comment": "sha256=" + hashlib.sha256(data).hexdigest()}
            new.addfile(member, io.BytesIO(data))


@pytest.fixture
def archive(cli, index, tmp_path):
    """The index's dump: its path."""
    path = tmp_path / "index.tar"
    assert cli("dump", str(path)).exit_code == 0
    return path


def member_offsets(path):
    """(name, where its data begins, its size) of each member."""
    with tarfile.open(path) as tar:
        return [(m.name, m.offset_data, m.size) for m in tar.getmembers()]


def cut(path, target, size):
    target.write_bytes(path.read_bytes()[:size])
    return str(target)


@pytest.fixture(params=["folder", "postgresql-sql"])
def empty_target(request, tmp_path):
    """Options naming an empty index, and its database URL and storage: a
    new data directory, or PostgreSQL with the files in the database."""
    if request.param == "folder":
        folder = tmp_path / "target"
        return ["--data", str(folder)], sqlite_url(folder), lambda: data_dir_storage(folder)
    url = request.getfixturevalue("empty_postgresql_database")
    settings = {"sqlalchemy.url": url, "cheeseshop.storage": "sql"}
    ini = write_ini(tmp_path / "target.ini", settings)
    return ["-c", ini], url, lambda: storage_from_settings(load_settings(settings, environ={}))


def assert_empty(url, storage):
    if url.startswith("sqlite"):
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            has_tables = sa.inspect(connection).has_table("projects")
        engine.dispose()
        if not has_tables:
            return
    assert not any(index_rows(url).values())
    assert list(storage.keys()) == []


def assert_error(result, message):
    """A failed load: exit status 1, nothing on stdout, and on stderr the
    progress bars' labels and one line saying why (no traceback)."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    *labels, last = result.stderr.splitlines()
    assert set(labels) <= {"loading rows", "loading files"}, result.stderr
    assert last == f"Error: {message}"


def test_an_archive_cut_short_loads_nothing(cli, archive, tmp_path, empty_target):
    options, url, storage = empty_target
    members = member_offsets(archive)
    files = [m for m in members if m[0].startswith("files/")]
    places = {
        "in the manifest": members[0][1] + 100,
        "in a table": [m for m in members if m[0] == "tables/releases.jsonl"][0][1] + 50,
        "in the third file": files[2][1] + files[2][2] // 2,
        # A tar reader sees a whole, shorter archive: the counts tell.
        "after the second file": files[1][1] + 512 * ((files[1][2] + 511) // 512),
    }
    messages = {}
    for where, size in places.items():
        result = cli("load", cut(archive, tmp_path / "cut.tar", size), options=options)
        messages[where] = result.stderr.splitlines()[-1]
        assert_error(result, messages[where][len("Error: ") :])
        assert_empty(url, storage())
    prefix = f"Error: {tmp_path / 'cut.tar'}: "
    # Bytes stored before the archive ended are removed again.
    removed = "; the 2 files stored were removed" if options[0] == "--data" else ""
    assert messages == {
        "in the manifest": f"{prefix}manifest.json: the archive is damaged or cut short "
        "(unexpected end of data)",
        "in a table": f"{prefix}tables/releases.jsonl: the archive is damaged or cut short "
        "(unexpected end of data); nothing was committed"
        + ("; no file was stored" if options[0] == "--data" else ""),
        "in the third file": f"{prefix}{files[2][0]}: the archive is damaged or cut short "
        f"(unexpected end of data); nothing was committed{removed}",
        "after the second file": f"{prefix}the archive is incomplete: 2 of 6 files "
        f"({files[0][2] + files[1][2]} of {sum(f[2] for f in files)} bytes); "
        f"nothing was committed{removed}",
    }
    # The empty schema left behind takes the whole archive afterwards.
    loaded = cli("load", str(archive), options=options)
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stdout.endswith("6 stored keys: no problems\n")


def test_a_damaged_file_loads_nothing(cli, archive, tmp_path):
    name, offset, size = [m for m in member_offsets(archive) if m[0].startswith("files/")][1]
    data = bytearray(archive.read_bytes())
    data[offset + size // 2] ^= 0xFF
    (tmp_path / "damaged.tar").write_bytes(bytes(data))
    target = tmp_path / "target"
    result = cli("load", str(tmp_path / "damaged.tar"), options=["--data", str(target)])
    assert_error(
        result,
        f"{tmp_path / 'damaged.tar'}: {name}: the bytes are damaged (sha256 mismatch); "
        "nothing was committed; the 2 files stored were removed",
    )
    assert_empty(sqlite_url(target), data_dir_storage(target))


def test_load_refuses_an_index_that_is_not_empty(cli, archive, data_dir):
    before = index_rows(sqlite_url(data_dir)), stored_files(data_dir / "files")
    result = cli("load", str(archive))
    assert_one_line_error(
        result,
        f"{archive}: the database file {data_dir / 'cheeseshop.sqlite'} is not empty "
        "(table api_token_projects has rows): load into an empty database",
    )
    assert (index_rows(sqlite_url(data_dir)), stored_files(data_dir / "files")) == before


def test_load_refuses_storage_that_is_not_empty(cli, archive, tmp_path):
    target = tmp_path / "target"
    (target / "files" / "ab").mkdir(parents=True)
    (target / "files" / "ab" / "stray").write_bytes(b"stray")
    result = cli("load", str(archive), options=["--data", str(target)])
    assert_one_line_error(
        result,
        f"{archive}: the storage is not empty (it holds ab/stray): load into empty storage "
        "(bytes no row references are removed by 'cheeseshop fsck --repair')",
    )
    assert not (target / "cheeseshop.sqlite").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"just some text, no tar at all" * 40, "not a cheeseshop dump: not a tar archive"),
        (None, "not a cheeseshop dump: it does not begin with manifest.json"),
    ],
)
def test_load_refuses_what_is_no_dump(cli, tmp_path, content, message):
    path = tmp_path / "foreign.tar"
    if content is None:
        with tarfile.open(path, "w") as tar:
            data = b"hello"
            info = tarfile.TarInfo("README")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    else:
        path.write_bytes(content)
    result = cli("load", str(path), options=["--data", str(tmp_path / "target")])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {path}: {message}")
    assert len(result.output.splitlines()) == 1
    assert not (tmp_path / "target" / "cheeseshop.sqlite").exists()


def test_load_refuses_a_dump_of_a_newer_schema(cli, archive, tmp_path):
    rewrite_manifest(archive, tmp_path / "new.tar", alembic_revision="9999")
    result = cli("load", str(tmp_path / "new.tar"), options=["--data", str(tmp_path / "t")])
    assert_one_line_error(
        result,
        f"{tmp_path / 'new.tar'}: the dump's schema (revision 9999) is newer than this "
        "cheeseshop's (revision 0008): load it with a newer cheeseshop",
    )


def test_a_scrubbed_dump_holds_no_secret_and_still_serves(cli, index, data_dir, tmp_path):
    app, token = index
    engine = sa.create_engine(sqlite_url(data_dir))
    with engine.connect() as connection:
        hashes = [row.password_hash for row in connection.execute(sa.text("SELECT * FROM users"))]
        token_hashes = list(connection.scalars(sa.select(API_TOKENS.c.secret_hash)))
        addresses = set(connection.scalars(sa.text("SELECT address FROM audit_events")))
        failures = connection.scalar(sa.text("SELECT count(*) FROM login_failures"))
    engine.dispose()
    assert failures == 1 and len(token_hashes) == 2 and CLIENT_ADDRESS in addresses
    command_line = next(a for a in addresses if a.startswith("command line ("))
    secrets = [
        "alice@example.org",
        "bob@example.org",
        PASSWORD,
        *hashes,
        token,
        token[len("pypi-") :],
        *token_hashes,
        CLIENT_ADDRESS,
        command_line,
        "wrong password",
    ]

    result = cli("dump", "--scrub", str(tmp_path / "scrubbed.tar"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith(f"rows left out) to {tmp_path / 'scrubbed.tar'}")
    archive = (tmp_path / "scrubbed.tar").read_bytes()
    for secret in secrets:
        for form in {secret, json.dumps(secret)[1:-1]}:  # as is, and as JSON writes it
            assert form.encode() not in archive, secret
    with tarfile.open(tmp_path / "scrubbed.tar") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        users = [json.loads(line) for line in tar.extractfile("tables/users.jsonl")]
        events = [json.loads(line) for line in tar.extractfile("tables/audit_events.jsonl")]
    assert manifest["scrubbed"] is True
    tables = {table["name"]: table["rows"] for table in manifest["tables"]}
    assert tables["api_tokens"] == tables["api_token_projects"] == tables["login_failures"] == 0
    assert [user["email"] for user in users] == ["user1@scrubbed.invalid", "user2@scrubbed.invalid"]
    assert not {"login", "login failed"} & {event["event"] for event in events}
    assert "upload" in {event["event"] for event in events}

    target = tmp_path / "developer"
    loaded = cli("load", str(tmp_path / "scrubbed.tar"), options=["--data", str(target)])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.stdout.splitlines()[0].endswith(", scrubbed)")
    served = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(target)}))
    files = served.get("/simple/demo/", headers=SIMPLE_JSON).json["files"]
    assert len(files) == 3
    body = served.get(files[1]["url"][files[1]["url"].index("/packages/") :]).body
    assert hashlib.sha256(body).hexdigest() == files[1]["hashes"]["sha256"]
    # Nobody signs in with the old password until an operator sets one.
    upload(served, ALICE, "demo", "4.0", status=403)
    assert cli("user", "passwd", "alice", "--password-stdin", input="new password here\n",
               options=["--data", str(target)]).exit_code == 0  # fmt: skip
    upload(served, ("alice", "new password here"), "demo", "4.0")

"""``cheeseshop cache block/unblock/list/prune/stats`` on an index whose
cache holds files of a real upstream, on SQLite and PostgreSQL; fsck and the
storage copy know the cache's files."""

import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from cheeseshop.cli import main as cli_main
from cheeseshop.mirror import counters
from cheeseshop.models.upstream import UPSTREAM_OBJECTS
from tests.factories import PASSWORD, distribution, upload, user
from tests.functional.mirror.conftest import PUBLISHER, page_json, publish


@pytest.fixture
def ini(tmp_path, settings, upstream):
    path = tmp_path / "index.ini"
    lines = ["[app:main]", "use = egg:cheeseshop", f"cheeseshop.upstream = {upstream.url}"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def cli(ini):
    runner = CliRunner()

    def run(*args, status=0):
        result = runner.invoke(cli_main, ["-c", str(ini), *args])
        assert result.exit_code == status, result.output
        return result.output

    return run


def fill(index, upstream, name="requests"):
    """Publish ``name`` upstream and download its wheel and metadata
    through ``index``: (url path of the wheel, its bytes)."""
    _, content = publish(upstream, name)
    entry = page_json(index, name)["files"][0]
    path = entry["url"].removeprefix("http://localhost")
    assert index.get(path).body == content
    index.get(path + ".metadata")
    return path, content


def stored_files(files_dir):
    return sorted(p for p in files_dir.rglob("*") if p.is_file())


def test_list_stats_and_prune_a_project(index, upstream, cli, files_dir):
    path, content = fill(index, upstream, "requests")
    fill(index, upstream, "flask")
    index.get(path)  # a hit
    index.app.registry["upstream_cache"].counts.flush()
    listed = cli("cache", "list")
    assert listed.splitlines()[0].startswith("flask  2 file(s)")
    assert listed.splitlines()[1].startswith("requests  2 file(s)")
    stats = cli("cache", "stats")
    assert "projects: 2" in stats
    assert "files: 2 (and 2 .metadata)" in stats
    assert "file hit ratio: 20.0%" in stats  # 1 hit, 4 fetches
    assert len(stored_files(files_dir)) == 4

    assert "removed 1 project page(s), 2 file(s)" in cli("cache", "prune", "--project", "Requests")
    assert len(stored_files(files_dir)) == 2
    assert "requests" not in cli("cache", "list")
    assert "2 stored keys: no problems" in cli("fsck")
    # Fetched again on the next download, from the upstream.
    assert index.get(path).body == content
    assert len(upstream.fetched(path.rsplit("/", 1)[1])) == 2
    events = cli("audit", "--project", "requests")
    assert "cache pruned" in events


def test_prune_older_than_keeps_what_is_used(index, upstream, cli, files_dir, engine):
    old_path, _ = fill(index, upstream, "old-one")
    fill(index, upstream, "new-one")
    long_ago = datetime.datetime(2020, 1, 1)
    with engine.begin() as connection:
        connection.execute(
            update(UPSTREAM_OBJECTS)
            .where(UPSTREAM_OBJECTS.c.name.like("old_one%"))
            .values(last_used=long_ago, claimed=long_ago)
        )
    assert "2 file(s)" in cli("cache", "prune", "--older-than", "30")
    listed = cli("cache", "list")
    assert "new-one  2 file(s)" in listed
    assert "old-one  0 file(s)" in listed  # checked recently: the page stays
    assert len(stored_files(files_dir)) == 2
    assert "removed 2 project page(s), 2 file(s)" in cli("cache", "prune")
    assert stored_files(files_dir) == []
    assert "the cache is empty" in cli("cache", "list")


def test_a_blocked_name_is_never_looked_up_and_its_files_go(index, upstream, cli, files_dir):
    path, _ = fill(index, upstream, "typo-squat")
    before = len(upstream.fetched("/simple/typo-squat/"))
    assert "blocked typo-squat; removed 1 project page(s), 2 file(s)" in cli(
        "cache", "block", "Typo_Squat", "--reason", "not ours"
    )
    assert stored_files(files_dir) == []
    index.get("/simple/typo-squat/", status=404)
    index.get(path, status=404)
    assert len(upstream.fetched("/simple/typo-squat/")) == before
    assert "typo-squat  blocked since" in cli("cache", "list")
    assert "is blocked already" in cli("cache", "block", "typo-squat", status=1)
    events = cli("audit", "--project", "typo-squat")
    assert "cache blocked" in events and "not ours" in events
    cli("cache", "unblock", "typo-squat")
    assert page_json(index, "typo-squat")["versions"] == ["2.0"]
    assert "is not blocked" in cli("cache", "unblock", "typo-squat", status=1)


def test_fsck_checks_the_caches_files_and_does_not_call_them_orphans(
    index, upstream, cli, files_dir
):
    fill(index, upstream)
    assert "2 stored keys: no problems" in cli("fsck")
    (wheel,) = [p for p in stored_files(files_dir) if p.name.endswith(".whl")]
    wheel.write_bytes(b"not the wheel")
    report = cli("fsck", status=1)
    assert str(wheel.relative_to(files_dir)) in report
    assert "1 problem" in report


def test_removing_a_local_file_keeps_the_bytes_a_cached_object_shares(
    index, upstream, cli, files_dir
):
    """The same filename and bytes uploaded here after the cache fetched
    them from the upstream share one storage key: removing the upload must
    not take the cache's object with it."""
    filename, content = distribution("requests", "2.0", "wheel")
    upload(upstream.testapp, PUBLISHER, "requests", "2.0", filename=filename, content=content)
    path = page_json(index, "requests")["files"][0]["url"].removeprefix("http://localhost")
    assert index.get(path).body == content
    user(index.app.registry["dbsession_factory"], "local")
    upload(index, ("local", PASSWORD), "requests", "2.0", filename=filename, content=content)
    cli("remove", "requests", "2.0", "--yes")
    assert index.get(path).body == content
    assert "no problems" in cli("fsck")


def test_counters_add_up_across_flushes(engine):
    counts = counters.Counters(engine)
    counts.add(counters.FILE_HITS, 3)
    counts.flush()
    counts.add(counters.FILE_HITS, 2)
    counts.flush()
    with engine.connect() as connection:
        from cheeseshop.mirror import cache_admin

        assert cache_admin.stats(connection).counts[counters.FILE_HITS] == 5

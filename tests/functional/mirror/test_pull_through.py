"""The pull-through cache against a real upstream index over HTTP, on SQLite
and PostgreSQL: pages as the upstream gives them, files fetched once,
verified and stored, served stale when the upstream is down, local projects
never merged with the upstream's, blocked names never looked up."""

import hashlib
import threading

import transaction
from sqlalchemy import select

from cheeseshop.catalog import releases
from cheeseshop.db.sessions import get_tm_session
from cheeseshop.models.upstream import UPSTREAM_OBJECTS
from cheeseshop.storage import keys
from tests.factories import PASSWORD, upload, user
from tests.functional.mirror.conftest import JSON, page_json, publish


def test_an_upstream_project_is_served_as_the_upstream_says(index, upstream):
    wheel, wheel_bytes = publish(upstream, requires_python=">=3.9")
    publish(upstream, kind="sdist")
    ours = page_json(index, "requests")
    theirs = page_json(upstream.testapp, "requests")
    assert ours["versions"] == theirs["versions"] == ["2.0"]
    assert [f["filename"] for f in ours["files"]] == [f["filename"] for f in theirs["files"]]
    for mine, upstream_file in zip(ours["files"], theirs["files"], strict=True):
        for key in ("hashes", "requires-python", "core-metadata", "size", "upload-time", "yanked"):
            assert mine[key] == upstream_file[key], key
        assert mine["url"].startswith("http://localhost/cache/requests/")
    (mine,) = [f for f in ours["files"] if f["filename"] == wheel]
    assert mine["hashes"]["sha256"] == hashlib.sha256(wheel_bytes).hexdigest()
    assert ours["project-status"] == {"status": "active"}
    html = index.get("/simple/requests/").text
    assert f"/cache/requests/{hashlib.sha256(wheel_bytes).hexdigest()}/{wheel}#sha256=" in html
    assert 'data-requires-python="&gt;=3.9"' in html


def test_a_file_is_fetched_once_verified_stored_and_served_from_storage(index, upstream, files_dir):
    wheel, content = publish(upstream)
    url = page_json(index, "requests")["files"][0]["url"].removeprefix("http://localhost")
    first = index.get(url)
    assert first.body == content
    assert first.content_length == len(content)
    key = keys.file_key(hashlib.blake2b(content, digest_size=32).hexdigest(), wheel)
    assert (files_dir / key).read_bytes() == content
    upstream.stop()
    again = index.get(url)
    assert again.body == content
    assert "immutable" in again.headers["Cache-Control"]
    assert len(upstream.fetched(wheel)) == 1


def test_core_metadata_is_fetched_and_verified_too(index, upstream):
    wheel, _ = publish(upstream)
    entry = page_json(index, "requests")["files"][0]
    metadata = index.get(entry["url"].removeprefix("http://localhost") + ".metadata")
    assert hashlib.sha256(metadata.body).hexdigest() == entry["core-metadata"]["sha256"]
    assert b"Name: requests" in metadata.body
    upstream.stop()
    assert index.get(entry["url"].removeprefix("http://localhost") + ".metadata").body == (
        metadata.body
    )


def test_pages_are_revalidated_and_served_stale_when_the_upstream_is_down(make_index, upstream):
    index = make_index(**{"cheeseshop.upstream.ttl": "0", "cheeseshop.upstream.timeout": "2"})
    publish(upstream, version="1.0")
    first = index.get("/simple/requests/", headers={"Accept": JSON})
    again = index.get(
        "/simple/requests/",
        headers={"If-None-Match": first.headers["ETag"], "Accept": JSON},
        status=304,
    )
    assert again.headers["ETag"] == first.headers["ETag"]
    publish(upstream, version="1.1")
    newer = page_json(index, "requests")
    assert newer["versions"] == ["1.0", "1.1"]
    upstream.stop()
    stale = page_json(index, "requests")
    assert stale["versions"] == ["1.0", "1.1"]
    # Nothing kept of a project never asked for: the upstream's failure, said.
    missing = index.get("/simple/flask/", status=502)
    assert "upstream index did not answer for flask" in missing.text


def test_a_project_hosted_here_is_never_merged_with_the_upstreams(index, upstream):
    publish(upstream, "shared-name", "9.0")
    user(index.app.registry["dbsession_factory"], "local")
    upload(index, ("local", PASSWORD), "shared-name", "1.0")
    page = page_json(index, "shared-name")
    assert page["versions"] == ["1.0"]
    assert all("/cache/" not in f["url"] for f in page["files"])
    assert not upstream.fetched("/simple/shared-name/")


def test_unknown_projects_are_404_and_not_asked_again_at_once(index, upstream):
    index.get("/simple/no-such-project/", status=404)
    index.get("/simple/no-such-project/", status=404)
    assert len(upstream.fetched("/simple/no-such-project/")) == 1


def test_a_file_whose_bytes_do_not_match_is_refused_and_nothing_kept(index, upstream, files_dir):
    wheel, content = publish(upstream)
    (stored,) = [p for p in upstream.files_dir.rglob(wheel)]
    corrupt = bytearray(content)
    corrupt[len(corrupt) // 2] ^= 0xFF
    stored.write_bytes(bytes(corrupt))
    url = page_json(index, "requests")["files"][0]["url"].removeprefix("http://localhost")
    # The first download ends short of its Content-Length: never a whole
    # body of refused bytes.
    broken = index.get(url)
    assert len(broken.body) < broken.content_length == len(content)
    refused = index.get(url, status=502)
    assert "does not match the sha256 its page gives" in refused.text
    assert not [p for p in files_dir.rglob("*") if p.is_file()]


def test_concurrent_first_downloads_fetch_once(index, upstream):
    wheel, content = publish(upstream)
    url = page_json(index, "requests")["files"][0]["url"].removeprefix("http://localhost")
    bodies = []

    def download():
        bodies.append(index.get(url).body)

    threads = [threading.Thread(target=download) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert bodies == [content] * 6
    assert len(upstream.fetched(wheel)) == 1
    with index.app.registry["db_engine"].connect() as connection:
        rows = connection.execute(select(UPSTREAM_OBJECTS.c.state)).all()
    assert [r.state for r in rows] == ["stored"]


def test_yanked_and_status_are_kept(index, upstream):
    publish(upstream, version="1.0")
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        releases.yank(
            get_tm_session(upstream.session_factory, manager), "requests", "1.0", "broken"
        )
    page = page_json(index, "requests")
    assert page["files"][0]["yanked"] == "broken"
    assert 'data-yanked="broken"' in index.get("/simple/requests/").text


def test_without_an_upstream_nothing_is_looked_up(testapp):
    testapp.get("/simple/requests/", status=404)
    testapp.get("/cache/requests/" + "0" * 64 + "/requests-2.0-py3-none-any.whl", status=404)

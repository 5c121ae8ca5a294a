"""The pull-through cache's pages and files answered again from the kept
response (:mod:`cheeseshop.api.replay`): counted as the view counts them,
and never past the page's ttl, a block, a prune or a local project."""

import time

from cheeseshop.mirror import counters
from tests.factories import PASSWORD, upload, user
from tests.functional.api.test_replay import raw, statements
from tests.functional.mirror.conftest import JSON, page_json, publish


def counts(index):
    cache = index.app.registry["upstream_cache"]
    return dict(cache.counts._counts)


def test_a_cached_page_and_file_are_replayed_and_counted(index, upstream):
    publish(upstream)
    app = index.app
    path = page_json(index, "requests")["files"][0]["url"].removeprefix("http://localhost")
    for url, headers in (("/simple/requests/", {}), ("/simple/requests/", {"Accept": JSON})):
        first = raw(app, url, **headers)
        with statements(app) as seen:
            assert raw(app, url, **headers) == first
        assert seen == []
    index.get(path)  # fetched from the upstream and stored
    kept = raw(app, path)
    before = counts(index)
    with statements(app) as seen:
        assert raw(app, path) == kept
        assert raw(app, "/simple/requests/") == raw(app, "/simple/requests/")
    assert seen == []
    after = counts(index)
    assert after[counters.FILE_HITS] == before[counters.FILE_HITS] + 1
    assert after[counters.PAGE_HITS] == before[counters.PAGE_HITS] + 2
    assert len(upstream.fetched("/simple/requests/")) == 1


def test_a_replayed_page_is_revalidated_after_its_ttl(make_index, upstream):
    index = make_index(**{"cheeseshop.upstream.ttl": "1"})
    publish(upstream, version="1.0")
    assert page_json(index, "requests")["versions"] == ["1.0"]
    assert page_json(index, "requests")["versions"] == ["1.0"]
    publish(upstream, version="1.1")
    time.sleep(1.1)
    assert page_json(index, "requests")["versions"] == ["1.0", "1.1"]
    assert len(upstream.fetched("/simple/requests/")) == 2


def test_a_local_project_shadows_a_replayed_page_at_once(index, upstream):
    publish(upstream, "shared-name", "9.0")
    assert page_json(index, "shared-name")["versions"] == ["9.0"]
    assert page_json(index, "shared-name")["versions"] == ["9.0"]
    user(index.app.registry["dbsession_factory"], "local")
    upload(index, ("local", PASSWORD), "shared-name", "1.0")
    page = page_json(index, "shared-name")
    assert page["versions"] == ["1.0"]
    assert all("/cache/" not in f["url"] for f in page["files"])

"""RSS feeds like pypi.org's: ``/rss/updates.xml``, ``/rss/packages.xml``,
``/rss/project/<name>/releases.xml``."""

import email.utils
import xml.etree.ElementTree as ET

import pytest

from cheeseshop.catalog import projects
from tests.factories import basic_auth, upload

RSS = "application/rss+xml"


def items(response):
    assert response.content_type == RSS
    channel = ET.fromstring(response.body).find("channel")
    return [{child.tag: child.text for child in item} for item in channel.findall("item")], channel


@pytest.fixture
def published(testapp, alice):
    upload(testapp, alice, "Demo.Pkg", "1.0", summary="first", author_email="a@example.org")
    upload(testapp, alice, "Other", "0.1", summary="other")
    upload(testapp, alice, "Demo.Pkg", "2.0", summary="second")


def test_updates_lists_the_newest_releases_first(testapp, published):
    found, channel = items(testapp.get("/rss/updates.xml"))
    assert channel.find("title").text
    assert [i["title"] for i in found] == ["Demo.Pkg 2.0", "Other 0.1", "Demo.Pkg 1.0"]
    assert found[0]["link"].endswith("/project/demo-pkg/2.0/")
    assert found[0]["guid"] == found[0]["link"]
    assert found[0]["description"] == "second"
    assert found[2]["author"] == "a@example.org"
    assert email.utils.parsedate_to_datetime(found[0]["pubDate"]).tzinfo is not None


def test_packages_lists_the_newest_projects_first(testapp, published):
    found, _ = items(testapp.get("/rss/packages.xml"))
    assert [i["title"] for i in found] == ["Other added", "Demo.Pkg added"]
    assert found[1]["link"].endswith("/project/demo-pkg/")
    assert found[1]["description"] == "second"  # what its newest release says


def test_a_project_feed(testapp, published):
    found, channel = items(testapp.get("/rss/project/demo-pkg/releases.xml"))
    assert [i["title"] for i in found] == ["2.0", "1.0"]
    assert channel.find("link").text.endswith("/project/demo-pkg/")
    testapp.get("/rss/project/nothing/releases.xml", status=404)
    testapp.get("/rss/project/demo-pkg/other.xml", status=404)
    testapp.get("/rss/nothing.xml", status=404)


def test_a_project_name_not_in_normal_form_is_redirected(testapp, published):
    response = testapp.get("/rss/project/Demo.Pkg/releases.xml", status=301)
    assert response.location.endswith("/rss/project/demo-pkg/releases.xml")


def test_feeds_are_capped_at_40(testapp, alice):
    for minor in range(42):
        upload(testapp, alice, "demo", f"1.{minor}")
    found, _ = items(testapp.get("/rss/updates.xml"))
    assert len(found) == 40 and found[0]["title"] == "demo 1.41"
    found, _ = items(testapp.get("/rss/project/demo/releases.xml"))
    assert len(found) == 40


def test_hostile_text_is_escaped(testapp, alice):
    hostile = "</description><script>alert(1)</script>&amp; \x07 ]]>"
    upload(testapp, alice, "demo", "1.0", summary=hostile)
    for path in ("/rss/updates.xml", "/rss/packages.xml", "/rss/project/demo/releases.xml"):
        response = testapp.get(path)
        assert b"<script>" not in response.body
        found, _ = items(response)
        assert found[0]["description"] == hostile.replace("\x07", "")


def test_quarantined_projects_are_in_no_feed(testapp, published, dbsession, tm):
    with tm:
        projects.set_status(dbsession, "demo-pkg", "quarantined")
    found, _ = items(testapp.get("/rss/updates.xml"))
    assert [i["title"] for i in found] == ["Other 0.1"]
    found, _ = items(testapp.get("/rss/packages.xml"))
    assert [i["title"] for i in found] == ["Other added"]
    testapp.get("/rss/project/demo-pkg/releases.xml", status=404)


def test_etag_revalidation(testapp, published, alice):
    for path in ("/rss/updates.xml", "/rss/project/demo-pkg/releases.xml"):
        first = testapp.get(path)
        assert first.headers["Cache-Control"].startswith("max-age=")
        testapp.get(path, headers={"If-None-Match": first.headers["ETag"]}, status=304)
    before = testapp.get("/rss/updates.xml").headers["ETag"]
    upload(testapp, alice, "Other", "0.2")
    after = testapp.get("/rss/updates.xml", headers={"If-None-Match": before})
    assert after.status_int == 200 and after.headers["ETag"] != before
    assert items(after)[0][0]["title"] == "Other 0.2"


def test_a_private_index_asks_for_credentials(settings, alice):
    import webtest

    from cheeseshop.app import main

    app = webtest.TestApp(main({}, **settings, **{"cheeseshop.read_access": "authenticated"}))
    try:
        upload(app, alice, "demo", "1.0")
        for path in ("/rss/updates.xml", "/rss/project/demo/releases.xml"):
            app.get(path, status=401)
            assert items(app.get(path, headers=basic_auth(alice)))[0]
            assert "private" in app.get(path, headers=basic_auth(alice)).headers["Cache-Control"]
    finally:
        for name in ("db_engine", "db_read_engine"):
            app.app.registry[name].dispose()

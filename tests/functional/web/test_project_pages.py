"""The pages for people about projects: ``/project/<name>/``,
``/project/<name>/<version>/``, ``/user/<name>/`` and the landing page."""

import contextlib
import hashlib
import re
import urllib.parse

import bs4
import packaging.utils
import pytest
import sqlalchemy
import webtest
from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from cheeseshop.accounts import roles
from cheeseshop.app import main
from cheeseshop.catalog import projects, releases
from cheeseshop.models.accounts import Role, User
from cheeseshop.models.catalog import FILES, PROJECTS, RELEASES
from tests import factories
from tests.factories import upload
from tests.functional.api.test_query_plans import captured_selects, seq_scans

HTML = {"Accept": "text/html"}

MARKDOWN_README = """\
# Demo heading

Some *emphasis* and a [link](https://example.org/docs).
"""
RST_README = """\
Demo title
==========

Some *emphasis* and a `link <https://example.org/docs>`_.
"""


def soup(response):
    return bs4.BeautifulSoup(response.text, "html.parser")


def main_text(response):
    return " ".join(soup(response).find("main").get_text(" ").split())


def history(response):
    """The release history's versions as listed, with their badges."""
    items = soup(response).select("ol.history > li")
    return [(li.a.get_text(), [b.get_text() for b in li.select(".badge")]) for li in items]


@pytest.fixture
def published(testapp, alice):
    upload(
        testapp,
        alice,
        "Demo.Pkg",
        "1.0",
        summary="A demo package",
        description=MARKDOWN_README,
        description_content_type="text/markdown",
        classifiers=[
            "Programming Language :: Python :: 3",
            "Programming Language :: Python :: 3.12",
            "License :: OSI Approved :: MIT License",
            "Development Status :: 5 - Production/Stable",
        ],
        project_urls=["Source, https://example.org/src", "Tracker, https://example.org/issues"],
        keywords="demo,packaging",
        requires_python=">=3.9",
        author="Jane Doe",
        author_email="jane@example.org",
        license="MIT",
    )
    upload(testapp, alice, "Demo.Pkg", "1.0", kind="sdist")
    return "demo-pkg"


def test_project_page_shows_the_latest_release(testapp, published):
    page = testapp.get("/project/demo-pkg/", headers=HTML)
    html = soup(page)
    assert len(html.find_all("h1")) == 1
    assert html.h1.get_text(" ", strip=True) == "Demo.Pkg 1.0"
    assert html.select_one(".summary").get_text() == "A demo package"
    assert html.title.get_text().startswith("Demo.Pkg ·")
    # The README, rendered (its heading below the page's own h1).
    readme = html.select_one(".readme")
    assert readme.find("h3").get_text(strip=True) == "Demo heading"
    assert readme.find("em").get_text() == "emphasis"
    assert readme.find("a", string="link")["href"] == "https://example.org/docs"
    # The install command, and its copy button (shown by copy.js).
    command = html.find(id="install-command").get_text()
    assert command == "pip install --index-url http://localhost/simple/ Demo.Pkg"
    button = html.find("button", attrs={"data-copy": "install-command"})
    assert button.has_attr("hidden") and button["type"] == "button"
    sidebar = html.find("aside")
    links = {a.get_text(): a["href"] for a in sidebar.find_all("a", href=re.compile("^https"))}
    assert links == {"Source": "https://example.org/src", "Tracker": "https://example.org/issues"}
    meta = " ".join(sidebar.get_text(" ").split())
    assert "License MIT" in meta
    assert "Requires Python >=3.9" in meta
    assert sidebar.find("a", href="mailto:jane@example.org").get_text() == "Jane Doe"
    assert [li.get_text() for li in sidebar.select(".keywords li")] == ["demo", "packaging"]
    groups = {
        group.strong.get_text(): [li.get_text() for li in group.select("ul > li")]
        for group in sidebar.select("ul.classifiers > li")
    }
    assert groups["Programming Language"][:2] == ["Python :: 3", "Python :: 3.12"]
    assert groups["License"] == ["OSI Approved :: MIT License"]
    assert "Development Status" in groups
    owner = sidebar.select_one(".maintainers li")
    assert owner.a["href"] == "http://localhost/user/alice/"
    assert owner.get_text(" ", strip=True) == "alice Owner"


def test_rst_readme_is_rendered(testapp, alice):
    upload(testapp, alice, "rsty", "1.0", description=RST_README)
    readme = soup(testapp.get("/project/rsty/")).select_one(".readme")
    assert readme.find(re.compile("^h[1-6]$")).get_text(strip=True) == "Demo title"
    assert readme.find("em").get_text() == "emphasis"
    assert readme.find("a", string="link")["href"] == "https://example.org/docs"


def test_plain_text_readme_is_shown_as_text(testapp, alice):
    upload(
        testapp,
        alice,
        "plain",
        "1.0",
        description="line one <b>not bold</b>\nline two",
        description_content_type="text/plain",
    )
    readme = soup(testapp.get("/project/plain/")).select_one(".readme")
    assert readme.find("b") is None
    assert "line one <b>not bold</b>" in readme.get_text()


HOSTILE = {
    "text/markdown": (
        "# Hi\n\n<script>alert('script')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[click](javascript:alert(2))\n\n"
        '<a href="javascript:alert(3)">a</a> <a href="JaVaScRiPt:alert(4)">b</a>\n\n'
        '<iframe src="https://example.org"></iframe><style>body{display:none}</style>\n\n'
        '<div onclick="alert(5)" style="position:fixed">x</div>\n\n'
        '<a href="data:text/html,<script>alert(6)</script>">d</a>\n\n'
        "<form action=https://example.org><button>go</button></form>\n"
    ),
    "text/x-rst": (
        "Title\n=====\n\n<script>alert('script')</script>\n\n"
        "A `link <javascript:alert(2)>`_ and `another <data:text/html,x>`_.\n\n"
        ".. image:: javascript:alert(3)\n"
    ),
    "text/plain": "<script>alert('script')</script>\n<img src=x onerror=alert(1)>",
}


def executable_markup(response):
    """Tags, attributes and URLs in the page that could run script, besides
    the layout's own copy.js."""
    found = []
    for tag in soup(response).find_all(True):
        if tag.name in ("script", "iframe", "object", "embed", "style", "form", "base", "meta"):
            if tag.name == "script" and tag.get("src", "").startswith("http://localhost/static/"):
                continue
            if tag.name == "meta" and tag.parent.name == "head":
                continue
            if tag.name == "form" and tag.get("action", "").startswith("http://localhost/"):
                continue
            found.append(str(tag)[:100])
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if name.lower().startswith("on") or name.lower() in ("style", "srcdoc", "formaction"):
                found.append(f"{tag.name} {name}={value!r}")
            if name.lower() in ("href", "src", "action", "data"):
                scheme = urllib.parse.urlsplit(value.strip()).scheme.lower()
                if scheme not in ("", "http", "https", "mailto"):
                    found.append(f"{tag.name} {name}={value!r}")
    return found


@pytest.mark.parametrize("content_type", HOSTILE)
def test_hostile_readme_shows_no_executable_markup(testapp, alice, content_type):
    upload(
        testapp,
        alice,
        "hostile",
        "1.0",
        description=HOSTILE[content_type],
        description_content_type=content_type,
    )
    for path in ("/project/hostile/", "/project/hostile/1.0/"):
        page = testapp.get(path, headers=HTML)
        assert executable_markup(page) == []
        # What was script is shown as text, if at all.
        assert "<script>alert(" not in page.text


def test_description_html_is_sanitized_whoever_wrote_it(testapp, alice, engine):
    """The column is readme_renderer's output on upload; a row written some
    other way (an import, a restored dump) is cleaned all the same."""
    upload(testapp, alice, "written", "1.0")
    with engine.begin() as connection:
        connection.execute(
            RELEASES.update().values(
                description_html=(
                    '<h1 onclick="alert(1)">Title</h1><script>alert(2)</script>'
                    '<a href="javascript:alert(3)">x</a><img src="x" onerror="alert(4)">'
                    '<iframe src="https://example.org"></iframe><p style="color:red">kept</p>'
                )
            )
        )
    page = testapp.get("/project/written/")
    assert executable_markup(page) == []
    readme = soup(page).select_one(".readme")
    assert readme.find("h3").get_text() == "Title"
    assert readme.find("p").get_text() == "kept"


def test_hostile_metadata_is_escaped_and_no_javascript_url_is_a_link(testapp, alice):
    upload(
        testapp,
        alice,
        "meta-hostile",
        "1.0",
        summary='<script>alert("summary")</script>',
        keywords='<img src=x onerror=alert(1)>,"><script>alert(2)</script>',
        project_urls=[
            "Evil, javascript:alert(1)",
            "Tabbed, java\tscript:alert(2)",
            "Data, data:text/html,<script>alert(3)</script>",
            '"><script>alert(4)</script>, https://example.org/"onmouseover="alert(5)',
        ],
        home_page="javascript:alert(6)",
        author='<b onmouseover="alert(7)">Mallory</b>',
        author_email='"<script>" <x@example.org>',
    )
    page = testapp.get("/project/meta-hostile/")
    assert executable_markup(page) == []
    assert "<script>alert(" not in page.text
    html = soup(page)
    hrefs = [a["href"] for a in html.find("aside").find_all("a", href=True)]
    assert not any("javascript" in href.lower() or href.startswith("data:") for href in hrefs)
    assert hrefs.count('https://example.org/"onmouseover="alert(5)') == 1  # one attribute value
    # Shown as text, escaped.
    assert "javascript:alert(1)" in html.find("aside").get_text()
    assert html.select_one(".summary").get_text() == '<script>alert("summary")</script>'


def test_release_history_is_ordered_by_version_with_badges(testapp, alice, dbsession, tm):
    # Uploaded out of order: the page sorts by PEP 440, not by time or as text.
    for version in ("1.10", "1.9", "2.0rc1", "0.9", "1.10.post1"):
        upload(testapp, alice, "ordered", version)
    with tm:
        releases.yank(dbsession, "ordered", "1.10.post1", reason="broken <wheel>")
    page = testapp.get("/project/ordered/")
    assert history(page) == [
        ("2.0rc1", ["pre-release"]),
        ("1.10.post1", ["yanked"]),
        ("1.10", ["latest"]),
        ("1.9", []),
        ("0.9", []),
    ]
    yanked = soup(page).select("ol.history > li")[1]
    assert "broken <wheel>" in yanked.get_text()
    assert yanked.a["href"] == "http://localhost/project/ordered/1.10.post1/"
    # The latest: the newest final release that is not yanked.
    assert soup(page).h1.get_text(" ", strip=True) == "ordered 1.10"
    assert soup(page).select_one("ol.history a[aria-current=page]").get_text() == "1.10"
    # History entries are dated.
    assert all(li.find("time")["datetime"] for li in soup(page).select("ol.history > li"))


def test_latest_falls_back_to_pre_releases_then_to_yanked(testapp, alice, dbsession, tm):
    upload(testapp, alice, "early", "0.1a1")
    upload(testapp, alice, "early", "0.1b1")
    page = testapp.get("/project/early/")
    assert soup(page).h1.get_text(" ", strip=True) == "early 0.1b1"
    # A pre-release is installed only when pinned.
    assert soup(page).find(id="install-command").get_text().endswith(" early==0.1b1")
    with tm:
        releases.yank(dbsession, "early", "0.1a1")
        releases.yank(dbsession, "early", "0.1b1", reason="oops")
    page = testapp.get("/project/early/")
    assert soup(page).h1.get_text(" ", strip=True) == "early 0.1b1"
    assert "This release is yanked" in main_text(page)
    assert "Reason: oops" in main_text(page)


def test_files_table_has_sizes_times_digests_and_download_links(testapp, alice):
    filename, content = factories.distribution("filed", "1.0", "wheel")
    upload(testapp, alice, "filed", "1.0", filename=filename, content=content)
    upload(testapp, alice, "filed", "1.0", kind="sdist")
    page = testapp.get("/project/filed/")
    table = soup(page).select_one("table.files")
    assert [th.get_text() for th in table.thead.find_all("th")] == [
        "File",
        "Type",
        "Python",
        "Size",
        "Uploaded",
        "SHA256",
    ]
    assert all(th["scope"] == "col" for th in table.thead.find_all("th"))
    rows = table.tbody.find_all("tr")
    assert [row.th.get_text() for row in rows] == [filename, "filed-1.0.tar.gz"]
    wheel_row = rows[0]
    assert wheel_row.th["scope"] == "row"
    assert wheel_row.select_one("td.hash").get_text() == hashlib.sha256(content).hexdigest()
    size = wheel_row.find("data")
    assert size["value"] == str(len(content))
    assert re.fullmatch(r"\d+\.\d KiB|\d+ bytes", size.get_text())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", wheel_row.find("time")["datetime"])
    href = wheel_row.th.a["href"]
    assert href.startswith("http://localhost/packages/")
    assert testapp.get(href[len("http://localhost") :]).body == content


def _set_status(dbsession, tm, name, status, reason=None):
    with tm:
        projects.set_status(dbsession, name, status, reason)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("archived", "This project is archived"),
        ("deprecated", "This project is deprecated"),
        ("quarantined", "This project is quarantined"),
    ],
)
def test_status_is_a_banner(testapp, published, dbsession, tm, status, words):
    _set_status(dbsession, tm, "demo-pkg", status, reason="see <the-successor>")
    for path in ("/project/demo-pkg/", "/project/demo-pkg/1.0/"):
        page = testapp.get(path)
        banner = soup(page).select_one(f".banner.status-{status}")
        text = " ".join(banner.get_text(" ").split())
        assert words in text
        assert "Reason: see <the-successor>" in text
        offered = status != "quarantined"
        assert (soup(page).select_one("table.files") is not None) is offered
        assert (soup(page).find(id="install-command") is not None) is offered
        assert ("/packages/" in page.text) is offered


def test_an_active_project_has_no_banner(testapp, published):
    assert soup(testapp.get("/project/demo-pkg/")).select_one(".banner") is None


def test_a_project_without_releases(testapp, alice, dbsession, tm):
    with tm:
        dbsession.add(factories.project("Empty.Shell"))
    page = soup(testapp.get("/project/empty-shell/"))
    assert page.h1.get_text(strip=True) == "Empty.Shell"
    assert "This project has no releases." in page.find("main").get_text()
    assert page.select_one("table.files") is None
    assert page.find(id="install-command") is None
    testapp.get("/project/empty-shell/1.0/", headers=HTML, status=404)


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/project/Demo.Pkg/", "/project/demo-pkg/"),
        ("/project/DEMO_pkg", "/project/demo-pkg"),
        ("/project/demo-pkg", "/project/demo-pkg/"),
        ("/project/demo-pkg?x=1", "/project/demo-pkg/?x=1"),
        ("/project/Demo.Pkg/1.0/", "/project/demo-pkg/1.0/"),
        ("/project/demo-pkg/1.0", "/project/demo-pkg/1.0/"),
        ("/project/demo-pkg/1.0.0/", "/project/demo-pkg/1.0/"),
        ("/project/demo-pkg/1.0.0", "/project/demo-pkg/1.0/"),
        ("/user/alice", "/user/alice/"),
    ],
)
def test_other_spellings_are_redirected(testapp, published, path, location):
    response = testapp.get(path, headers=HTML, status=301)
    assert response.location == "http://localhost" + location


@pytest.mark.parametrize(
    "path",
    [
        "/project/nothing-here/",
        "/project/demo-pkg/9.9/",
        "/project/demo-pkg/not-a-version/",
        "/project/demo-pkg/1.0/extra",
        "/user/nobody/",
    ],
)
def test_unknown_pages_are_404_in_the_sites_look(testapp, published, path):
    page = testapp.get(path, headers=HTML, status=404)
    assert page.content_type == "text/html"
    assert soup(page).h1.get_text() == "Not found"
    assert soup(page).select_one("header.site-header") is not None


def test_release_page_shows_that_release_and_links_to_the_latest(testapp, alice):
    upload(
        testapp,
        alice,
        "multi",
        "1.0",
        summary="old summary",
        description="Old readme",
        description_content_type="text/markdown",
    )
    upload(
        testapp,
        alice,
        "multi",
        "2.0",
        summary="new summary",
        description="New readme",
        description_content_type="text/markdown",
    )
    old = testapp.get("/project/multi/1.0/")
    html = soup(old)
    assert html.h1.get_text(" ", strip=True) == "multi 1.0"
    assert html.select_one(".summary").get_text() == "old summary"
    assert "Old readme" in html.select_one(".readme").get_text()
    assert [row.th.get_text() for row in html.select("table.files tbody tr")] == [
        "multi-1.0-py3-none-any.whl"
    ]
    note = html.select_one(".not-latest")
    assert "This is not the latest release of multi" in note.get_text()
    assert note.a["href"] == "http://localhost/project/multi/2.0/"
    assert html.find(id="install-command").get_text().endswith(" multi==1.0")
    assert html.select_one("ol.history a[aria-current=page]").get_text() == "1.0"

    latest = soup(testapp.get("/project/multi/2.0/"))
    assert latest.select_one(".not-latest") is None
    assert "New readme" in latest.select_one(".readme").get_text()


def test_user_page_lists_the_projects_with_roles(testapp, alice, bob, dbsession, tm):
    upload(testapp, alice, "first", "1.0", summary="First <project>")
    upload(testapp, alice, "first", "2.0b1", summary="pre-release summary")
    upload(testapp, alice, "second", "0.1")
    upload(testapp, bob, "bobs", "3.0")
    with tm:
        roles.set_role(dbsession, "bobs", "alice", "Maintainer")
    page = testapp.get("/user/alice/", headers=HTML)
    html = soup(page)
    assert html.h1.get_text() == "alice"
    items = html.select("ul.user-projects > li")
    shown = [
        (
            li.a.get_text(),
            li.a["href"],
            li.select_one(".version").get_text(),
            li.select_one(".badge").get_text(),
        )
        for li in items
    ]
    assert shown == [
        ("bobs", "http://localhost/project/bobs/", "3.0", "Maintainer"),
        ("first", "http://localhost/project/first/", "1.0", "Owner"),
        ("second", "http://localhost/project/second/", "0.1", "Owner"),
    ]
    assert items[1].select_one(".summary").get_text() == "First <project>"
    nobody = soup(testapp.get("/user/bob/"))
    assert [a.get_text() for a in nobody.select("ul.user-projects > li > a")] == ["bobs"]


def test_landing_page_shows_counts_and_recent_releases(testapp, alice, dbsession, tm):
    page = soup(testapp.get("/"))
    assert " ".join(page.select_one(".stats").get_text(" ").split()) == "0 projects 0 files"
    assert "Nothing has been published here yet." in page.get_text()
    upload(testapp, alice, "one", "1.0", summary="The first")
    upload(testapp, alice, "one", "1.0", kind="sdist")
    upload(testapp, alice, "two", "2.0")
    upload(testapp, alice, "hidden", "1.0")
    _set_status(dbsession, tm, "hidden", "quarantined")
    page = soup(testapp.get("/"))
    assert " ".join(page.select_one(".stats").get_text(" ").split()) == "3 projects 4 files"
    recent = page.select("ul.recent-releases > li")
    assert [li.a.get_text() for li in recent] == ["two 2.0", "one 1.0"]
    assert recent[1].a["href"] == "http://localhost/project/one/1.0/"
    assert recent[1].select_one(".summary").get_text() == "The first"
    assert (
        page.find(id="pip").get_text() == "pip install --index-url http://localhost/simple/ PACKAGE"
    )
    assert page.find(id="twine").get_text() == (
        "twine upload --repository-url http://localhost/legacy/ dist/*"
    )
    assert page.find("form", attrs={"role": "search"}, class_="landing-search")["action"] == (
        "http://localhost/search/"
    )


def test_json_api_links_lead_to_these_pages(testapp, published):
    info = testapp.get("/pypi/demo-pkg/json").json["info"]
    assert info["project_url"] == "http://localhost/project/demo-pkg/"
    assert info["package_url"] == "http://localhost/project/demo-pkg/"
    assert info["release_url"] == "http://localhost/project/demo-pkg/1.0/"
    release_info = testapp.get("/pypi/demo-pkg/1.0/json").json["info"]
    for url in (
        info["project_url"],
        info["package_url"],
        info["release_url"],
        release_info["release_url"],
    ):
        page = testapp.get(url[len("http://localhost") :], headers=HTML, status=200)
        assert soup(page).h1.get_text(" ", strip=True) == "Demo.Pkg 1.0"


def test_pages_answer_head(testapp, published):
    for path in ("/project/demo-pkg/", "/project/demo-pkg/1.0/", "/user/alice/", "/"):
        assert testapp.head(path).status_int == 200


def test_a_private_index_sends_browsers_to_sign_in(settings, alice, published):
    private = webtest.TestApp(main({}, **settings, **{"cheeseshop.read_access": "authenticated"}))
    response = private.get("/project/demo-pkg/", headers=HTML, status=303)
    assert "/account/login/" in response.location
    page = private.get("/project/demo-pkg/", headers=factories.basic_auth(alice))
    assert soup(page).h1.get_text(" ", strip=True) == "Demo.Pkg 1.0"


# A project with many releases: the same few queries as one with two.


def add_releases(engine, name, count, owner="alice"):
    """A project with ``count`` releases (one wheel each, every tenth a
    pre-release), inserted with Core: an upload each would take minutes."""
    normalized = packaging.utils.canonicalize_name(name)
    with engine.begin() as connection:
        project_id = connection.execute(
            insert(PROJECTS)
            .values(name=name, normalized_name=normalized, last_serial=1)
            .returning(PROJECTS.c.id)
        ).scalar_one()
        user_id = connection.execute(
            sqlalchemy.select(User.id).where(User.username == owner)
        ).scalar_one()
        connection.execute(
            insert(Role.__table__).values(user_id=user_id, project_id=project_id, role_name="Owner")
        )
        versions = [f"{i // 10}.{i % 10}" + ("rc1" if i % 10 == 9 else "") for i in range(count)]
        release_ids = (
            connection.execute(
                insert(RELEASES).returning(RELEASES.c.id, sort_by_parameter_order=True),
                [
                    {
                        "project_id": project_id,
                        "version": version,
                        "canonical_version": packaging.utils.canonicalize_version(version),
                        "is_prerelease": "rc" in version,
                        "metadata_version": "2.1",
                        "summary": f"{name} {version}",
                        "description": "A README of some length. " * 200,
                        "description_html": "<p>" + "A README of some length. " * 200 + "</p>",
                        "description_content_type": "text/markdown",
                        "yanked": False,
                        "yanked_reason": "",
                    }
                    for version in versions
                ],
            )
            .scalars()
            .all()
        )
        stem = normalized.replace("-", "_")
        connection.execute(
            insert(FILES),
            [
                {
                    "release_id": release_id,
                    "filename": f"{stem}-{version}-py3-none-any.whl",
                    "path": f"{hashlib.sha256(f'{name}{version}'.encode()).hexdigest()[:40]}/x.whl",
                    "packagetype": "bdist_wheel",
                    "python_version": "py3",
                    "size": 12345,
                    "md5_digest": "0" * 32,
                    "sha256_digest": hashlib.sha256(f"{name}{version}".encode()).hexdigest(),
                    "blake2_256_digest": hashlib.blake2b(
                        f"{name}{version}".encode(), digest_size=32
                    ).hexdigest(),
                }
                for release_id, version in zip(release_ids, versions, strict=True)
            ],
        )
    return versions


@contextlib.contextmanager
def counted_statements():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def test_a_project_page_costs_a_few_queries_however_many_releases(testapp, alice, engine):
    add_releases(engine, "small", 2)
    versions = add_releases(engine, "big", 200)
    testapp.get("/")  # what a process does once is done
    rendered, cached = {}, {}
    for name, version in (("small", "0.1"), ("big", versions[150])):
        for path in (f"/project/{name}/", f"/project/{name}/{version}/"):
            with counted_statements() as statements:
                page = testapp.get(path)
            rendered[path] = len(statements)
            # The project's part again, from the page cache.
            with counted_statements() as statements:
                assert testapp.get(path).body == page.body
            cached[path] = len(statements)
    assert len(history(page)) == 200
    assert rendered["/project/big/"] == rendered["/project/small/"]
    assert rendered[f"/project/big/{versions[150]}/"] == rendered["/project/small/0.1/"]
    assert cached["/project/big/"] == cached["/project/small/"]
    assert cached[f"/project/big/{versions[150]}/"] == cached["/project/small/0.1/"]
    # Traversal (the project; the release), the history, the release (on
    # the project's page), its files, the maintainers; SQLite's BEGIN.
    assert max(rendered.values()) <= 6, rendered
    # Traversal only.
    assert max(cached.values()) <= 3, cached


def test_cached_part_follows_the_serial_and_not_the_reader(testapp, published, dbsession, tm):
    anonymous = soup(testapp.get("/project/demo-pkg/"))
    assert anonymous.select_one("nav[aria-label=Account]").get_text(strip=True) == "Sign in"
    reader = factories.browser(testapp.app)
    factories.sign_in(reader, ("alice", factories.PASSWORD))
    signed_in = reader.get("/project/demo-pkg/")
    nav = soup(signed_in).select_one("nav[aria-label=Account]")
    assert nav.find("a", href="http://localhost/user/alice/") is not None
    assert soup(signed_in).find("main") == anonymous.find("main")
    again = soup(testapp.get("/project/demo-pkg/"))
    assert again.select_one("nav[aria-label=Account]").get_text(strip=True) == "Sign in"
    # Every change has a new serial: the page is rendered anew.
    upload(testapp, ("alice", factories.PASSWORD), "Demo.Pkg", "2.0")
    assert soup(testapp.get("/project/demo-pkg/")).h1.get_text(" ", strip=True) == "Demo.Pkg 2.0"
    _set_status(dbsession, tm, "demo-pkg", "archived")
    assert soup(testapp.get("/project/demo-pkg/1.0/")).select_one(".status-archived")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_pages_use_indexes(testapp, alice, database_url):
    upload(testapp, alice, "alpha", "1.0")
    upload(testapp, alice, "alpha", "2.0")
    with captured_selects() as statements:
        for path in ("/project/alpha/", "/project/alpha/1.0/", "/user/alice/", "/"):
            testapp.get(path)
    assert len(statements) >= 10
    assert seq_scans(database_url, statements) == []

"""``/search/``: projects uploaded are found by their words, the one named
first, 20 a page, filtered by classifiers; whatever is typed."""

import re
from urllib.parse import urlencode

import pytest
import webtest

from cheeseshop.app import main
from tests.factories import upload

HTML = {"Accept": "text/html"}
PYTHON = "Programming Language :: Python :: 3"
FLASK = "Framework :: Flask"


def search(testapp, status=200, **params):
    return testapp.get("/search/", params, headers=HTML, status=status)


def found(page):
    """The names of the projects a result page lists, in order."""
    return [a.text for a in page.html.select(".search-results li a")]


def test_a_word_of_the_summary_finds_the_project(testapp, alice):
    upload(testapp, alice, "Cheese_Shop", "1.0", summary="Sells fine cheeses")
    upload(testapp, alice, "Cheese_Shop", "1.1", summary="Sells fine cheeses")
    upload(testapp, alice, "other", "1.0", summary="Nothing of the kind")
    page = search(testapp, q="cheeses")
    assert found(page) == ["Cheese_Shop"]
    (item,) = page.html.select(".search-results li")
    assert item.a["href"] == "http://localhost/project/cheese-shop/"
    assert "1.1" in item.text and "Sells fine cheeses" in item.text
    assert "1 project found for “cheeses”" in page.text
    # The header's search box keeps the query.
    assert page.html.select_one("#site-search")["value"] == "cheeses"


def test_keywords_and_description_are_searched(testapp, alice):
    upload(testapp, alice, "alpha", "1.0", keywords="gouda,brie")
    upload(testapp, alice, "beta", "1.0", description="All about **camembert**.")
    assert found(search(testapp, q="brie")) == ["alpha"]
    assert found(search(testapp, q="camembert")) == ["beta"]


def test_the_project_named_comes_first(testapp, alice):
    upload(testapp, alice, "widget-tools", "1.0", summary="Widget tools for widgets")
    upload(testapp, alice, "super-widget", "1.0", summary="The widget, widget, widget")
    upload(testapp, alice, "widget", "1.0", summary="Something")
    names = found(search(testapp, q="Widget"))
    assert names[0] == "widget"
    assert sorted(names) == ["super-widget", "widget", "widget-tools"]


def test_results_come_20_a_page(testapp, alice):
    for number in range(23):
        upload(testapp, alice, f"gadget-{number:02}", "1.0", summary="A gadget")
    first = search(testapp, q="gadget")
    assert len(found(first)) == 20
    assert "23 projects found" in first.text and "Page 1 of 2" in first.text
    assert first.html.select_one("a[rel=prev]") is None
    second = first.click(linkid=None, href=re.escape("page=2"))
    assert len(found(second)) == 3 and "Page 2 of 2" in second.text
    assert second.html.select_one("a[rel=next]") is None
    assert set(found(first)).isdisjoint(found(second))
    back = second.html.select_one("a[rel=prev]")["href"]
    assert back == "http://localhost/search/?q=gadget"
    # A page past the last, or no number: no error.
    assert "no results on this page" in search(testapp, q="gadget", page="7").text
    for page in ("0", "-1", "x", "9" * 50):
        assert len(found(search(testapp, q="gadget", page=page))) == 20


def test_classifiers_filter_the_results(testapp, alice):
    upload(testapp, alice, "both", "1.0", summary="A widget", classifiers=[PYTHON, FLASK])
    upload(testapp, alice, "python-only", "1.0", summary="A widget", classifiers=[PYTHON])
    upload(testapp, alice, "plain", "1.0", summary="A widget")
    page = search(testapp, q="widget")
    assert sorted(found(page)) == ["both", "plain", "python-only"]
    offered = [a.text for a in page.html.select(".offered-filters a")]
    assert offered == [PYTHON, FLASK]  # the most common first
    page = page.click(description=PYTHON)
    assert sorted(found(page)) == ["both", "python-only"]
    assert [li.text.split(" (remove)")[0] for li in page.html.select(".active-filters li")] == [
        PYTHON
    ]
    page = page.click(description=FLASK)
    assert found(page) == ["both"]
    assert page.request.GET.getall("c") == [PYTHON, FLASK]
    assert page.request.GET["q"] == "widget"
    # Removing one keeps the other.
    page = page.click(description="(remove)", index=0)
    assert page.request.GET.getall("c") == [FLASK]
    assert found(page) == ["both"]
    # A classifier alone lists its projects.
    assert found(search(testapp, c=PYTHON)) == ["both", "python-only"]


def test_a_hostile_summary_and_query_are_escaped(testapp, alice):
    upload(testapp, alice, "evil", "1.0", summary='<script>alert("x")</script> evil & co')
    page = search(testapp, q='evil & "co"')
    assert found(page) == ["evil"]
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; evil &amp; co" in page.text
    # What was typed is shown, escaped (PostgreSQL's parser drops the tags
    # from what it indexes: whether this finds "evil" is the engine's).
    page = search(testapp, q="<script>evil</script>")
    assert "<script>evil" not in page.text
    assert "for “&lt;script&gt;evil&lt;/script&gt;”" in page.text
    assert page.html.select_one("#site-search")["value"] == "<script>evil</script>"
    page = search(testapp, c='"><script>alert(1)</script>')
    assert "<script>alert(1)" not in page.text


@pytest.mark.parametrize(
    "query",
    [
        '"foo AND (bar*',
        "NEAR(a b) OR NOT c:* ^d {name_words}: e",
        "a & !b | c <-> d",
        "'''",
        "\x00",
        "日本語 Café",
        "x" * 5000,
        " ".join(["word"] * 500),
    ],
)
def test_any_query_is_answered(testapp, alice, query):
    upload(testapp, alice, "foo", "1.0", summary="bar")
    search(testapp, q=query)
    search(testapp, q=query, c=[query, PYTHON])


def test_an_empty_query_shows_how_to_search(testapp, alice):
    upload(testapp, alice, "foo", "1.0", summary="bar")
    for params in ({}, {"q": ""}, {"q": "   "}):
        page = search(testapp, **params)
        assert "Type a project's name" in page.text
        assert found(page) == []
    assert testapp.head("/search/?" + urlencode({"q": "foo"}), headers=HTML).status_int == 200


def test_a_private_index_asks_to_sign_in_first(settings, alice):
    app = webtest.TestApp(main({}, **settings, **{"cheeseshop.read_access": "authenticated"}))
    upload(app, alice, "secret", "1.0", summary="hidden")
    answer = app.get("/search/?q=hidden", headers=HTML, status=303)
    assert answer.location.startswith("http://localhost/account/login/?next=")
    assert "secret" not in answer.text

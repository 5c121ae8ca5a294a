"""What someone types never breaks a search: it is read into bounded words,
and any text, on either engine, finds projects or none, never an error."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cheeseshop.search.query import (
    MAX_CLASSIFIERS,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    Query,
    page_bounds,
    parse,
)
from cheeseshop.search.sqlite_fts import phrases

PYTHON = "Programming Language :: Python :: 3"


def test_words_are_runs_of_letters_and_digits_once_each_in_lower_case():
    assert parse('Foo "bar" AND (baz* OR foo) NEAR(x) col:val ^start').terms == (
        "foo",
        "bar",
        "and",
        "baz",
        "or",
        "near",
        "x",
        "col",
        "val",
        "start",
    )
    assert parse("requests_oauthlib zope.interface").terms == (
        "requests",
        "oauthlib",
        "zope",
        "interface",
    )
    assert parse("Café 日本語 ٣").terms == ("café", "日本語", "٣")


def test_the_text_and_its_words_are_bounded():
    assert len(parse("word " * 1000).terms) == 1
    many = " ".join(f"w{number}" for number in range(50))
    assert parse(many).terms == tuple(f"w{number}" for number in range(MAX_TERMS))
    assert parse("x" * 10_000).terms == ("x" * MAX_QUERY_CHARS,)


def test_a_project_name_is_put_in_normal_form():
    assert parse(" Requests_OAuthlib ").name == "requests-oauthlib"
    assert parse("zope.interface").name == "zope-interface"
    for not_a_name in ("two words", "-dash", "a!", "", "日本語"):
        assert parse(not_a_name).name is None


def test_classifiers_are_bounded_and_one_no_project_can_have_matches_nothing():
    assert parse("", [PYTHON, PYTHON]).classifiers == (PYTHON,)
    assert len(parse("", [f"C :: {n}" for n in range(50)]).classifiers) == MAX_CLASSIFIERS
    assert not parse("x", [PYTHON]).unmatchable
    for impossible in ("", "a\x00b", "line\nbreak", "x" * 201):
        assert parse("x", [PYTHON, impossible]).unmatchable


def test_nothing_asked():
    assert parse("").empty and parse(" !?* ").empty and parse(None).empty
    assert Query().empty
    assert not parse("", [PYTHON]).empty


def test_page_bounds():
    assert page_bounds(-1, -1) == (0, 0)
    assert page_bounds(10**9, 10**9) == (MAX_OFFSET, MAX_LIMIT)
    assert page_bounds(40, 20) == (40, 20)


def test_fts5_phrases_quote_every_word():
    assert phrases(["a", 'b"c']) == '"a" "b""c"'


@pytest.fixture
def indexed(index):
    index.release("requests-oauthlib", "1.0", summary='OAuth "for" Requests (AND more*)')
    index.release("demo", "1.0", summary="NEAR OR NOT", classifiers=[PYTHON])
    return index


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The syntax of FTS5 and of tsquery, and characters that trouble SQL drivers.
syntax = st.sampled_from(
    list("\"*:^()-+{}[]&|!<>'\\%_.,;\x00\r\n\t ")
    + ["AND", "OR", "NOT", "NEAR", "NEAR(", "name_words:", "{summary}", "a:*", "a:A", "''", "--"]
)
hostile_text = st.lists(st.one_of(syntax, st.text(max_size=12)), max_size=30).map("".join)


@FUZZ
@given(
    query=st.one_of(hostile_text, st.text(max_size=300)),
    classifiers=st.lists(st.one_of(st.just(PYTHON), st.text(max_size=20)), max_size=3),
    offset=st.integers(-5, 50),
    limit=st.integers(-5, 200),
)
@example(query='"foo AND (bar*', classifiers=[], offset=0, limit=20)
@example(query="demo", classifiers=["\x00"], offset=0, limit=20)
@example(query="\ud800 \udfff", classifiers=[], offset=0, limit=20)
def test_any_query_finds_projects_or_none(indexed, query, classifiers, offset, limit):
    results = indexed.search(query, classifiers=classifiers, offset=offset, limit=limit)
    assert 0 <= len(results.hits) <= max(limit, 0)
    assert results.total >= len(results.hits)
    assert {hit.name for hit in results.hits} <= {"requests-oauthlib", "demo"}

"""The search contract, run on both engines (SQLite FTS5 and PostgreSQL full
text, by the ``database_url`` fixture): what is found, in which order, by
which filters, and which projects are not found at all."""

import pytest
from zope.interface.verify import verifyObject

from cheeseshop.accounts.audit import Actor
from cheeseshop.catalog import projects, releases, removal
from cheeseshop.search.dialects import ENGINES, engine_for
from cheeseshop.search.documents import classifiers_of
from cheeseshop.search.interfaces import IProjectSearch
from cheeseshop.search.query import MAX_LIMIT, Results
from tests import factories

PYTHON = "Programming Language :: Python :: 3"
WEB = "Framework :: Flask"
MIT = "License :: OSI Approved :: MIT License"


@pytest.mark.parametrize("dialect", sorted(ENGINES))
def test_each_engine_provides_the_interface(dialect):
    assert verifyObject(IProjectSearch, ENGINES[dialect])
    assert ENGINES[dialect].dialect == dialect


def test_the_engine_is_the_databases(engine):
    with engine.connect() as connection:
        assert engine_for(connection).dialect == engine.dialect.name


def test_a_word_of_the_summary_finds_the_latest_version(index):
    index.release("cheese-shop", "1.0", summary="Sells fine cheeses")
    index.release("other", "1.0", summary="Something else")
    results = index.search("cheeses")
    assert results.total == 1
    (hit,) = results.hits
    assert (hit.name, hit.normalized_name, hit.version, hit.summary) == (
        "cheese-shop",
        "cheese-shop",
        "1.0",
        "Sells fine cheeses",
    )
    assert index.names("CHEESE") == ["cheese-shop"]  # any case; a stem
    assert index.names("no such word") == []


def test_name_beats_summary_beats_keywords_beats_description(index):
    # Each has "orchid" in one field only; the weaker fields repeat it.
    index.release("orchid-tools", "1.0", summary="Tools", description="Gardening help. " * 50)
    index.release("garden", "1.0", summary="Orchid care", description="Help. " * 50)
    index.release("flora", "1.0", summary="Plants", keywords="orchid,plants")
    index.release("plants", "1.0", summary="Plants", description="orchid " * 40)
    assert index.names("orchid") == ["orchid-tools", "garden", "flora", "plants"]


def test_every_word_must_match_and_all_in_the_name_ranks_first(index):
    index.release("fast-json", "1.0", summary="Parse it quickly")
    index.release("json", "1.0", summary="A fast parser")
    index.release("yaml", "1.0", summary="Fast, and not JSON")
    index.release("fast", "1.0", summary="Speed")
    assert index.names("fast json") == ["fast-json", "json", "yaml"]


def test_the_project_named_comes_first(index):
    index.release("py-py-py", "1.0", summary="py py py", keywords="py")
    index.release("pypy", "1.0", summary="A Python")
    index.release("py", "1.0", summary="Library", description="Word salad. " * 200)
    index.release("py-tools", "1.0", summary="py tools, py")
    names = index.names("PY")  # the query, in normal form, is the name
    assert names[0] == "py"
    assert sorted(names) == ["py", "py-py-py", "py-tools"]
    assert index.names("Py") == index.names("py") == names


def test_the_project_named_is_found_even_without_a_match(index):
    # "the" is an English stop word: PostgreSQL drops it from its documents.
    index.release("the", "1.0", summary="The definite article")
    assert index.names("The") == ["the"]
    assert index.search("the").total == 1


@pytest.mark.parametrize(
    "query", ["oauthlib", "requests", "requests-oauthlib", "Requests_OAuthlib", "OAUTHLIB"]
)
def test_a_word_of_a_hyphenated_name(index, query):
    index.release("requests-oauthlib", "1.0", summary="OAuth for HTTP")
    index.release("unrelated", "1.0", summary="Nothing")
    assert index.names(query) == ["requests-oauthlib"]


@pytest.mark.parametrize("name", ["zope.interface", "zope_interface", "ZOPE-Interface"])
def test_words_of_names_with_dots_and_underscores(index, name):
    index.release(name, "1.0", summary="Interfaces")
    assert index.names("zope") == [name]
    assert index.names("interface") == [name]


def test_classifier_filters_are_all_required(index):
    index.release("both", "1.0", summary="widget", classifiers=[PYTHON, WEB])
    index.release("python-only", "1.0", summary="widget", classifiers=[PYTHON])
    index.release("web-only", "1.0", summary="widget", classifiers=[WEB, MIT])
    index.release("none", "1.0", summary="widget")
    assert sorted(index.names("widget")) == ["both", "none", "python-only", "web-only"]
    assert sorted(index.names("widget", classifiers=[PYTHON])) == ["both", "python-only"]
    assert index.names("widget", classifiers=[PYTHON, WEB]) == ["both"]
    assert index.names("widget", classifiers=[PYTHON, WEB, MIT]) == []
    assert index.search("widget", classifiers=[WEB, WEB]).total == 2  # once is enough
    # Classifiers alone: every project that has them, by name.
    assert index.names("", classifiers=[WEB]) == ["both", "web-only"]
    assert index.search("", classifiers=[WEB, PYTHON]).total == 1
    # The project named passes the filters too, or is not found.
    assert index.names("python-only", classifiers=[WEB]) == []
    assert index.names("python-only", classifiers=[PYTHON]) == ["python-only"]


def test_classifiers_of_a_page_of_hits(index, engine):
    index.release("both", "1.0", summary="widget", classifiers=[PYTHON, WEB])
    index.release("python-only", "1.0", summary="widget", classifiers=[PYTHON])
    hits = index.search("widget").hits
    with engine.connect() as connection:
        assert classifiers_of(connection, [hit.project_id for hit in hits]) == [
            (PYTHON, 2),
            (WEB, 1),
        ]
        assert classifiers_of(connection, []) == []


def test_the_latest_releases_classifiers_count(index):
    index.release("demo", "1.0", summary="widget", classifiers=[PYTHON])
    index.release("demo", "2.0", summary="widget", classifiers=[WEB])
    assert index.names("widget", classifiers=[PYTHON]) == []
    assert index.names("widget", classifiers=[WEB]) == ["demo"]


def test_pages_add_up_to_the_total_once_each(index):
    for number in range(25):
        index.release(f"widget-{number:02}", "1.0", summary="A widget")
    index.release("widget", "1.0", summary="The widget")
    pages = [index.search("widget", offset=offset, limit=10) for offset in (0, 10, 20, 30)]
    assert [page.total for page in pages] == [26] * 4
    assert [len(page.hits) for page in pages] == [10, 10, 6, 0]
    names = [hit.name for page in pages for hit in page.hits]
    assert names[0] == "widget"
    assert sorted(names) == sorted(set(names)) and len(names) == 26
    assert index.search("widget", offset=5, limit=1).hits == pages[0].hits[5:6]
    assert index.search("widget", limit=0) == Results(26, [])


def test_the_page_size_and_offset_are_bounded(index):
    for number in range(MAX_LIMIT + 5):
        index.release(f"gadget-{number}", "1.0")
    assert len(index.search("gadget", limit=10**9).hits) == MAX_LIMIT
    assert index.search("gadget", offset=-5, limit=-1) == Results(MAX_LIMIT + 5, [])
    assert index.search("gadget", offset=10**12).hits == []


def test_nothing_asked_finds_nothing(index):
    index.release("demo", "1.0", summary="widget")
    for query in ("", "   ", "!!! ---", None):
        assert index.search(query) == Results(0, [])


def test_the_latest_release_is_the_highest_final_version_not_yanked(index, dbsession, tm):
    index.release("demo", "1.0", summary="old words")
    index.release("demo", "10.0", summary="new words")
    index.release("demo", "2.0", summary="middle words")
    index.release("demo", "11.0b1", summary="beta words", is_prerelease=True)
    assert [(hit.version, hit.summary) for hit in index.search("demo").hits] == [
        ("10.0", "new words")
    ]
    assert index.names("beta") == index.names("old") == []
    with tm:
        releases.yank(dbsession, "demo", "10.0")
    assert index.search("demo").hits[0].version == "2.0"
    assert index.names("new") == []
    assert index.names("middle") == ["demo"]
    with tm:
        releases.unyank(dbsession, "demo", "10.0")
    assert index.search("demo").hits[0].version == "10.0"


def test_a_project_whose_releases_are_all_yanked_is_still_found(index, dbsession, tm):
    index.release("demo", "1.0b1", summary="beta", is_prerelease=True)
    assert index.search("demo").hits[0].version == "1.0b1"  # only pre-releases
    index.release("demo", "0.9", summary="older")
    with tm:
        releases.yank(dbsession, "demo", "1.0b1")
        releases.yank(dbsession, "demo", "0.9")
    # Yanked, both: a final release still comes before a pre-release.
    assert [hit.version for hit in index.search("demo").hits] == ["0.9"]
    with tm:
        releases.unyank(dbsession, "demo", "1.0b1")
    assert [hit.version for hit in index.search("demo").hits] == ["1.0b1"]


def test_removed_releases(index, dbsession, tm, storage):
    index.release("demo", "1.0", summary="old words")
    index.release("demo", "2.0", summary="new words")

    def remove(version):
        with tm:
            removal.remove(
                dbsession,
                storage,
                "demo",
                version,
                actor=Actor.command_line(),
                transaction_manager=tm,
            )

    remove("2.0")
    assert [(hit.version, hit.summary) for hit in index.search("demo").hits] == [
        ("1.0", "old words")
    ]
    remove("1.0")
    assert index.search("demo") == Results(0, [])
    assert index.search("old") == Results(0, [])


def test_a_quarantined_project_is_not_found(index, dbsession, tm):
    index.release("demo", "1.0", summary="widget", classifiers=[PYTHON])
    with tm:
        projects.set_status(dbsession, "demo", "quarantined")
    assert index.search("demo") == index.search("widget") == Results(0, [])
    assert index.search("", classifiers=[PYTHON]) == Results(0, [])
    for status in ("archived", "deprecated", "active"):
        with tm:
            projects.set_status(dbsession, "demo", status)
        assert index.names("widget") == ["demo"]


def test_a_new_release_uploaded_is_indexed(
    dbsession, tm, session_factory, storage, make_user, index
):
    user_id = make_user("alice")
    with tm:
        factories.add_wheel(dbsession, storage, user_id, session_factory, tm, "demo", "1.0")
    assert [(hit.name, hit.version) for hit in index.search("demo").hits] == [("demo", "1.0")]
    with tm:
        factories.add_distribution(
            dbsession, storage, user_id, session_factory, tm, "demo", "2.0", kind="sdist"
        )
    assert [hit.version for hit in index.search("demo").hits] == ["2.0"]


def test_only_the_start_of_a_long_description_is_indexed(index):
    index.release("demo", "1.0", description="early " + "filler " * 20_000 + "late")
    assert index.names("early") == ["demo"]
    assert index.names("late") == []


def test_search_reads_no_rows_of_others(index):
    """A project without a document (one made before the index knew it) is
    not found by name either: search reads only its own table."""
    with index.tm:
        index.dbsession.add(factories.release(factories.project("ghost"), "1.0"))
    assert index.search("ghost") == Results(0, [])

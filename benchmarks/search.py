"""How long a search takes on an index of N projects (5,000 by default), on
SQLite (FTS5) and on PostgreSQL (tsvector, GIN), in-process: the domain
search alone and the whole ``/search/`` page through the WSGI app.

The projects are made as rows and indexed with ``cheeseshop.search``'s own
``reindex`` (uploads would only add time to the set-up): names of one to
three words joined by "-", a summary of 8 words, keywords, a description of
100 to 4,000 words (words drawn with a Zipf-like skew from a vocabulary of
3,000, so common words match most projects and rare ones a few), 0 to 8
classifiers. PostgreSQL must be running (``bash scripts/postgres.sh``); a
database of the run's own is made on it and dropped.

    python3 benchmarks/search.py [PROJECTS] [--only sqlite|postgresql]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid

import packaging.utils
import sqlalchemy
import transaction
import trove_classifiers
import webtest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from cheeseshop.app import main  # noqa: E402
from cheeseshop.db import migrations  # noqa: E402
from cheeseshop.db.engines import get_engine  # noqa: E402
from cheeseshop.db.sessions import get_session_factory, get_tm_session  # noqa: E402
from cheeseshop.models.catalog import Project, Release  # noqa: E402
from cheeseshop.search.dialects import engine_for, reindex  # noqa: E402
from cheeseshop.settings import load  # noqa: E402

POSTGRESQL = os.environ.get(
    "CHEESESHOP_TEST_POSTGRESQL",
    "postgresql+psycopg://cheeseshop:cheeseshop@127.0.0.1:5432/cheeseshop_test",
)
REPEAT = 20


def vocabulary(rng, size=3000):
    syllables = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "de", "gu", "an", "el", "or"]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def corpus(projects, seed=1):
    """(the vocabulary, the projects: an iterator of dicts)."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    return words, _projects(rng, words, projects)


def _projects(rng, words, projects):
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf-like
    classifiers = sorted(trove_classifiers.classifiers)[:200]

    def text(count):
        return " ".join(rng.choices(words, weights, k=count))

    names = set()
    for _ in range(projects):
        while True:
            name = "-".join(rng.choices(words[:1500], k=rng.randint(1, 3)))
            if name not in names:
                names.add(name)
                break
        yield {
            "name": name,
            "summary": text(8).capitalize(),
            "keywords": ",".join(rng.choices(words, k=3)),
            "description": text(rng.choice([100, 300, 1000, 4000])),
            "classifiers": rng.sample(classifiers, rng.randint(0, 8)),
            "versions": ["1.0", "1.1", "2.0"][: rng.randint(1, 3)],
        }


def fill(url, projects):
    settings = load({"sqlalchemy.url": url}, environ={})
    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    made = []
    started = time.perf_counter()
    batch = []
    words, items = corpus(projects)
    for item in items:
        batch.append(item)
        if len(batch) == 500:
            _add(session_factory, batch)
            made += batch
            batch = []
    if batch:
        _add(session_factory, batch)
        made += batch
    seconds = time.perf_counter() - started
    engine.dispose()
    return made, words, seconds


def _add(session_factory, batch):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(session_factory, manager)
        for item in batch:
            project = Project(
                name=item["name"], normalized_name=packaging.utils.canonicalize_name(item["name"])
            )
            session.add(project)
            for version in item["versions"]:
                session.add(
                    Release(
                        project=project,
                        version=version,
                        canonical_version=version,
                        metadata_version="2.1",
                        summary=item["summary"],
                        keywords=item["keywords"],
                        description=item["description"],
                        classifiers=item["classifiers"],
                    )
                )
            reindex(session, project)


def cases(made, words):
    common, middle, rare = words[0], words[300], words[2900]
    classified = next(item for item in made if len(item["classifiers"]) >= 2)
    return [
        ("a common word", {"query": common}),
        ("a common word, page 50", {"query": common, "offset": 980}),
        ("a word of middling use", {"query": middle}),
        ("a rare word", {"query": rare}),
        ("two words", {"query": f"{common} {middle}"}),
        ("a project's name", {"query": made[1234 % len(made)]["name"]}),
        ("a classifier, no words", {"query": "", "classifiers": classified["classifiers"][:1]}),
        (
            "a word and 2 classifiers",
            {"query": common, "classifiers": classified["classifiers"][:2]},
        ),
        ("FTS syntax", {"query": '"foo AND (bar* NEAR(x) {summary}:'}),
    ]


def timed(function, repeat=REPEAT):
    function()  # warm: caches, prepared plans
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def measure(label, url, projects):
    made, words, seconds = fill(url, projects)
    print(f"\n{label}: {projects} projects indexed in {seconds:.1f} s")
    engine = sqlalchemy.create_engine(url)
    app = webtest.TestApp(
        main(
            {},
            **{
                "sqlalchemy.url": url,
                "cheeseshop.storage.path": tempfile.mkdtemp(),
                "cheeseshop.token_key": "a benchmark's key, not secret, 32 characters or more",
            },
        )
    )
    print(f"{'search':32} {'found':>6} {'domain ms (median/max)':>24} {'page ms (median/max)':>22}")
    try:
        with engine.connect() as connection:
            search = engine_for(connection)
            for name, options in cases(made, words):
                results = search.search(connection, limit=20, **options)
                domain = timed(lambda o=options: search.search(connection, limit=20, **o))
                params = {"q": options["query"], "c": options.get("classifiers", [])}
                if "offset" in options:
                    params["page"] = str(options["offset"] // 20 + 1)
                page = timed(
                    lambda p=params: app.get("/search/", p, headers={"Accept": "text/html"}),
                    repeat=10,
                )
                print(
                    f"{name:32} {results.total:>6} {domain[0]:>12.1f} / {domain[1]:<9.1f}"
                    f" {page[0]:>10.1f} / {page[1]:<9.1f}"
                )
    finally:
        engine.dispose()
        for key in ("db_engine", "db_read_engine"):
            app.app.registry[key].dispose()


def main_():
    parser = argparse.ArgumentParser()
    parser.add_argument("projects", nargs="?", type=int, default=5000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.only != "postgresql":
        folder = tempfile.mkdtemp()
        url = f"sqlite:///{folder}/index.sqlite"
        migrations.upgrade(url)
        measure("SQLite (FTS5)", url, args.projects)
    if args.only != "sqlite":
        admin_url = sqlalchemy.engine.make_url(POSTGRESQL)
        name = f"cheeseshop_search_bench_{uuid.uuid4().hex[:8]}"
        admin = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        try:
            migrations.upgrade(url)
            measure("PostgreSQL (tsvector, GIN)", url, args.projects)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main_()

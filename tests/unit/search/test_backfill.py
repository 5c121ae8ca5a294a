"""Migration 0006 indexes the projects an index held before it: an upgraded
index is searchable at once."""

import datetime

import sqlalchemy as sa

from cheeseshop.db import migrations
from cheeseshop.search.dialects import engine_for

NOW = datetime.datetime(2026, 1, 1)
PYTHON = "Programming Language :: Python :: 3"

# The tables as revision 0005 has them (only the columns that need a value).
projects = sa.table(
    "projects",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("normalized_name", sa.String),
    sa.column("created", sa.DateTime),
    sa.column("last_serial", sa.Integer),
    sa.column("status", sa.String),
)
releases = sa.table(
    "releases",
    sa.column("project_id", sa.Integer),
    sa.column("version", sa.String),
    sa.column("canonical_version", sa.String),
    sa.column("is_prerelease", sa.Boolean),
    sa.column("created", sa.DateTime),
    sa.column("yanked", sa.Boolean),
    sa.column("yanked_reason", sa.Text),
    sa.column("metadata_version", sa.String),
    sa.column("summary", sa.Text),
    sa.column("keywords", sa.Text),
    sa.column("description", sa.Text),
    sa.column("classifiers", sa.JSON),
)

BULK = 520  # more than the migration's batch of 500


def _release(project_id, version, **fields):
    row = {
        "project_id": project_id,
        "version": version,
        "canonical_version": version,
        "is_prerelease": False,
        "created": NOW,
        "yanked": False,
        "yanked_reason": "",
        "metadata_version": "2.1",
        "summary": None,
        "keywords": None,
        "description": None,
        "classifiers": None,
    }
    return {**row, **fields}


def test_upgrading_to_0006_indexes_the_projects_there(database_url):
    migrations.downgrade(database_url, "0005")
    engine = sa.create_engine(database_url)
    try:
        named = ["requests-oauthlib", "hidden", "empty"]
        bulk = [f"bulk-{number:03}" for number in range(BULK)]
        with engine.begin() as connection:
            connection.execute(
                sa.insert(projects),
                [
                    {
                        "id": number,
                        "name": name,
                        "normalized_name": name,
                        "created": NOW,
                        "last_serial": 0,
                        "status": "quarantined" if name == "hidden" else "active",
                    }
                    for number, name in enumerate(named + bulk, start=1)
                ],
            )
            connection.execute(
                sa.insert(releases),
                [
                    _release(1, "1.0", summary="OAuth for requests", classifiers=[PYTHON]),
                    _release(1, "2.0", summary="Yanked", yanked=True),
                    _release(1, "3.0b1", summary="Beta", is_prerelease=True),
                    _release(2, "1.0", summary="OAuth, quarantined", classifiers=[PYTHON]),
                ]
                + [
                    _release(number, "1.0", summary="Bulk", keywords="many,more")
                    for number in range(len(named) + 1, len(named) + BULK + 1)
                ],
            )
        migrations.upgrade(database_url)
        with engine.connect() as connection:
            search = engine_for(connection)
            (hit,) = search.search(connection, "oauth").hits
            assert (hit.name, hit.version, hit.summary) == (
                "requests-oauthlib",
                "1.0",
                "OAuth for requests",
            )
            assert search.search(connection, "", classifiers=[PYTHON]).hits == [hit]
            assert search.search(connection, "hidden").total == 0
            assert search.search(connection, "empty").total == 0
            assert search.search(connection, "bulk").total == BULK
            assert search.search(connection, "many").total == BULK
    finally:
        engine.dispose()

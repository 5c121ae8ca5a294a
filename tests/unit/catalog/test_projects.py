"""Project status (PEP 792) without HTTP."""

import pytest
from sqlalchemy import select

from cheeseshop.catalog import projects
from cheeseshop.catalog.projects import CatalogError
from cheeseshop.models.catalog import Project, Release


def release_state(dbsession):
    return dbsession.execute(select(Release.yanked, Release.yanked_reason)).one()


def project_state(dbsession):
    return dbsession.execute(select(Project.status, Project.status_reason)).one()


@pytest.mark.parametrize(
    "action, args, message",
    [
        (projects.set_status, ("nope", "archived"), "project 'nope' not found"),
        (
            projects.set_status,
            ("demo-pkg", "deleted"),
            "unknown status 'deleted': use one of active, archived, quarantined, deprecated",
        ),
    ],
)
def test_errors(dbsession, tm, demo, action, args, message):
    with pytest.raises(CatalogError) as raised:
        with tm:
            action(dbsession, *args)
    assert str(raised.value) == message
    with tm:
        assert release_state(dbsession) == (False, "")
        assert project_state(dbsession) == ("active", None)


def test_set_status(dbsession, tm, demo):
    for status, reason in (
        ("archived", "done"),
        ("quarantined", None),
        ("deprecated", "use x"),
        ("active", ""),
    ):
        with tm:
            assert projects.set_status(dbsession, "Demo.Pkg", status, reason=reason) == "Demo.Pkg"
        with tm:
            assert project_state(dbsession) == (status, reason or None)

"""Yanking (PEP 592) without HTTP."""

import pytest
from sqlalchemy import select

from cheeseshop.catalog import releases
from cheeseshop.catalog.projects import CatalogError as ReleaseError
from cheeseshop.models.catalog import Project, Release


def release_state(dbsession):
    return dbsession.execute(select(Release.yanked, Release.yanked_reason)).one()


def project_state(dbsession):
    return dbsession.execute(select(Project.status, Project.status_reason)).one()


def test_yank_and_unyank(dbsession, tm, demo):
    with tm:
        # Any spelling of the name, any equivalent version.
        assert releases.yank(dbsession, "DEMO_pkg", "1.0.0", reason="broken") == "Demo.Pkg 1.0"
    with tm:
        assert release_state(dbsession) == (True, "broken")
        assert releases.yank(dbsession, "demo-pkg", "1.0") == "Demo.Pkg 1.0"  # again, no reason
    with tm:
        assert release_state(dbsession) == (True, "")
        assert releases.unyank(dbsession, "demo-pkg", "1.0") == "Demo.Pkg 1.0"
    with tm:
        assert release_state(dbsession) == (False, "")


@pytest.mark.parametrize(
    "action, args, message",
    [
        (releases.yank, ("nope", "1.0"), "project 'nope' not found"),
        (releases.unyank, ("nope", "1.0"), "project 'nope' not found"),
        (releases.yank, ("demo-pkg", "2.0"), "project 'Demo.Pkg' has no release '2.0'"),
        (releases.unyank, ("demo-pkg", "2.0"), "project 'Demo.Pkg' has no release '2.0'"),
        (releases.unyank, ("demo-pkg", "1.0"), "Demo.Pkg 1.0 is not yanked"),
    ],
)
def test_errors(dbsession, tm, demo, action, args, message):
    with pytest.raises(ReleaseError) as raised:
        with tm:
            action(dbsession, *args)
    assert str(raised.value) == message
    with tm:
        assert release_state(dbsession) == (False, "")
        assert project_state(dbsession) == ("active", None)

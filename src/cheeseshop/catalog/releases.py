"""Changes to existing releases and projects: yanking (PEP 592), status
(PEP 792). Each is journaled."""

import packaging.utils
from sqlalchemy import select

from cheeseshop.catalog import journal
from cheeseshop.models.catalog import Project, Release

PROJECT_STATUSES = ("active", "archived", "quarantined", "deprecated")


class ReleaseError(LookupError):
    pass


def find_project(dbsession, name) -> Project:
    project = dbsession.scalar(
        select(Project)
        .where(Project.normalized_name == packaging.utils.canonicalize_name(name, validate=False))
        .with_for_update()
    )
    if project is None:
        raise ReleaseError(f"project {name!r} not found")
    return project


def find_release(dbsession, name, version) -> Release:
    project = find_project(dbsession, name)
    release = dbsession.scalar(
        select(Release).where(
            Release.project_id == project.id,
            Release.canonical_version == packaging.utils.canonicalize_version(version),
        )
    )
    if release is None:
        raise ReleaseError(f"project {project.name!r} has no release {version!r}")
    return release


def yank(dbsession, name, version, reason="", user=None) -> str:
    release = find_release(dbsession, name, version)
    release.yanked = True
    release.yanked_reason = reason or ""
    journal.record(dbsession, release.project, "yank release", version=release.version, user=user)
    return f"{release.project.name} {release.version}"


def unyank(dbsession, name, version, user=None) -> str:
    release = find_release(dbsession, name, version)
    if not release.yanked:
        raise ReleaseError(f"{release.project.name} {release.version} is not yanked")
    release.yanked = False
    release.yanked_reason = ""
    journal.record(dbsession, release.project, "unyank release", version=release.version, user=user)
    return f"{release.project.name} {release.version}"


def set_status(dbsession, name, status, reason=None, user=None) -> str:
    if status not in PROJECT_STATUSES:
        raise ReleaseError(f"unknown status {status!r}: use one of {', '.join(PROJECT_STATUSES)}")
    project = find_project(dbsession, name)
    project.status = status
    project.status_reason = reason or None
    journal.record(dbsession, project, f"set status {status}", user=user)
    return project.name

"""Changes to existing releases: yanking (PEP 592). Each is journaled."""

import packaging.utils
from sqlalchemy import select

from cheeseshop.catalog import journal
from cheeseshop.catalog.projects import CatalogError, get_project
from cheeseshop.models.catalog import Release


def find_release(dbsession, name, version) -> Release:
    project = get_project(dbsession, name)
    release = dbsession.scalar(
        select(Release).where(
            Release.project_id == project.id,
            Release.canonical_version == packaging.utils.canonicalize_version(version),
        )
    )
    if release is None:
        raise CatalogError(f"project {project.name!r} has no release {version!r}")
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
        raise CatalogError(f"{release.project.name} {release.version} is not yanked")
    release.yanked = False
    release.yanked_reason = ""
    journal.record(dbsession, release.project, "unyank release", version=release.version, user=user)
    return f"{release.project.name} {release.version}"

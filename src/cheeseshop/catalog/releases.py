"""Changes to existing releases: yanking (PEP 592). Each is journaled."""

import packaging.utils
from sqlalchemy import func, select

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from cheeseshop.catalog import journal
from cheeseshop.catalog.projects import CatalogError, get_project
from cheeseshop.models.catalog import File, Release
from cheeseshop.search.dialects import reindex


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


def list_releases(dbsession, project, *, offset=0, limit=None) -> list[tuple[Release, int]]:
    """(release, how many files it has) of ``project``, newest first;
    ``offset`` and ``limit``: one page of them."""
    # Counted per release shown (an indexed lookup each), not over the project.
    files = (
        select(func.count())
        .select_from(File)
        .where(File.release_id == Release.id)
        .correlate(Release)
        .scalar_subquery()
    )
    rows = dbsession.execute(
        select(Release, files)
        .where(Release.project_id == project.id)
        .order_by(Release.created.desc(), Release.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [(release, count) for release, count in rows]


def yank(dbsession, name, version, reason="", user=None, actor=None) -> str:
    """``actor``: who, for the audit log (None: the command line)."""
    release = find_release(dbsession, name, version)
    release.yanked = True
    release.yanked_reason = reason or ""
    reindex(dbsession, release.project)  # the latest release is one not yanked
    audit.record(
        dbsession,
        Event.YANK,
        actor,
        project=release.project.name,
        detail=f"{release.version}" + (f": {reason}" if reason else ""),
    )
    journal.record(dbsession, release.project, "yank release", version=release.version, user=user)
    return f"{release.project.name} {release.version}"


def unyank(dbsession, name, version, user=None, actor=None) -> str:
    release = find_release(dbsession, name, version)
    if not release.yanked:
        raise CatalogError(f"{release.project.name} {release.version} is not yanked")
    release.yanked = False
    release.yanked_reason = ""
    reindex(dbsession, release.project)
    audit.record(
        dbsession, Event.UNYANK, actor, project=release.project.name, detail=release.version
    )
    journal.record(dbsession, release.project, "unyank release", version=release.version, user=user)
    return f"{release.project.name} {release.version}"

"""What the web pages of a project, a release and a user show, read with a
constant number of indexed Core queries whatever the number of releases.

A project with thousands of releases must not load thousands of rows of
metadata (descriptions included) and their files: the release history is
read as the few columns it shows, sorted here by PEP 440 (as the JSON API
sorts, see :mod:`cheeseshop.rendering.project_json`), and only the release
on show is read whole, with its files.
"""

import dataclasses
import datetime

import packaging.version
from sqlalchemy import select

from cheeseshop.accounts.roles import RoleName
from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.models.accounts import Role, User
from cheeseshop.models.catalog import FILES, PROJECTS, RELEASES
from cheeseshop.rendering.project_json import latest_release


@dataclasses.dataclass(frozen=True)
class HistoryEntry:
    """One release in a project's history: what the list of releases shows."""

    id: int
    version: str
    is_prerelease: bool
    yanked: bool
    yanked_reason: str
    created: datetime.datetime


def release_history(connection, project_id) -> list[HistoryEntry]:
    """The project's releases, oldest first by PEP 440 (not by upload time,
    nor as strings: 1.10 comes after 1.9)."""
    rows = connection.execute(
        select(
            RELEASES.c.id,
            RELEASES.c.version,
            RELEASES.c.is_prerelease,
            RELEASES.c.yanked,
            RELEASES.c.yanked_reason,
            RELEASES.c.created,
        ).where(RELEASES.c.project_id == project_id)
    ).all()
    entries = [
        HistoryEntry(
            row.id, row.version, row.is_prerelease, row.yanked, row.yanked_reason or "", row.created
        )
        for row in rows
    ]
    entries.sort(key=lambda entry: packaging.version.Version(entry.version))
    return entries


def latest(history: list[HistoryEntry]) -> HistoryEntry | None:
    """pypi.org's "latest release" (the JSON API's ``info``): the newest
    final release not yanked, else the newest not yanked, else the newest."""
    return latest_release(history)


def release(connection, release_id):
    """One release's whole row (its metadata and README)."""
    return connection.execute(select(RELEASES).where(RELEASES.c.id == release_id)).one()


def offered_files(connection, project, release_id) -> list:
    """The release's files, by name; none for a project whose status offers
    no files (PEP 792: quarantined)."""
    if not ProjectStatus(project.status).offers_files:
        return []
    return connection.execute(
        select(
            FILES.c.filename,
            FILES.c.path,
            FILES.c.packagetype,
            FILES.c.python_version,
            FILES.c.size,
            FILES.c.upload_time,
            FILES.c.sha256_digest,
        )
        .where(FILES.c.release_id == release_id)
        .order_by(FILES.c.filename)
    ).all()


def maintainers(connection, project_id) -> list:
    """(username, role_name) of everyone with a role on the project: Owners
    first, then Maintainers, each by name."""
    rows = connection.execute(
        select(User.username, Role.role_name)
        .join(Role, Role.user_id == User.id)
        .where(Role.project_id == project_id)
    ).all()
    order = {RoleName.OWNER: 0, RoleName.MAINTAINER: 1}
    return sorted(rows, key=lambda row: (order.get(row.role_name, 2), row.username))


@dataclasses.dataclass(frozen=True)
class UserProject:
    name: str
    normalized_name: str
    status: str
    role_name: str
    version: str | None
    summary: str | None


def user_projects(connection, user_id) -> list[UserProject]:
    """The projects ``user_id`` has a role on, by name, each with its latest
    release's version and summary: three queries, however many projects."""
    projects = connection.execute(
        select(
            PROJECTS.c.id,
            PROJECTS.c.name,
            PROJECTS.c.normalized_name,
            PROJECTS.c.status,
            Role.role_name,
        )
        .join(Role, Role.project_id == PROJECTS.c.id)
        .where(Role.user_id == user_id)
        .order_by(PROJECTS.c.normalized_name)
    ).all()
    if not projects:
        return []
    versions = {}
    for row in connection.execute(
        select(
            RELEASES.c.id,
            RELEASES.c.project_id,
            RELEASES.c.version,
            RELEASES.c.is_prerelease,
            RELEASES.c.yanked,
        ).where(RELEASES.c.project_id.in_([p.id for p in projects]))
    ):
        versions.setdefault(row.project_id, []).append(row)
    chosen = {}
    for project_id, rows in versions.items():
        rows.sort(key=lambda row: packaging.version.Version(row.version))
        chosen[project_id] = latest_release(rows)
    summaries = dict(
        connection.execute(
            select(RELEASES.c.id, RELEASES.c.summary).where(
                RELEASES.c.id.in_([row.id for row in chosen.values()])
            )
        ).all()
    )
    result = []
    for project in projects:
        shown = chosen.get(project.id)
        result.append(
            UserProject(
                project.name,
                project.normalized_name,
                project.status,
                project.role_name,
                shown.version if shown is not None else None,
                summaries.get(shown.id) if shown is not None else None,
            )
        )
    return result

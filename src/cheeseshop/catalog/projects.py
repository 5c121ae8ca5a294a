"""Projects: finding one, and its status (PEP 792)."""

import enum

import packaging.utils
from sqlalchemy import select

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from cheeseshop.catalog import journal
from cheeseshop.models.catalog import Project
from cheeseshop.search.dialects import reindex


class ProjectStatus(enum.StrEnum):
    """PEP 792's statuses; stored as their values."""

    ACTIVE = "active"
    ARCHIVED = "archived"  # no new uploads
    QUARANTINED = "quarantined"  # nothing offered to install
    DEPRECATED = "deprecated"

    @property
    def accepts_uploads(self):
        return self in (ProjectStatus.ACTIVE, ProjectStatus.DEPRECATED)

    @property
    def offers_files(self):
        return self is not ProjectStatus.QUARANTINED


class CatalogError(LookupError):
    """A project or release that is not there, or a change that cannot be
    made; ``str()`` says which."""


def find_project(dbsession, name, *, lock=True) -> Project | None:
    """The project called ``name`` (any spelling), or None. ``lock``: locked
    for the rest of the transaction, so that its serials are taken in order."""
    query = select(Project).where(
        Project.normalized_name == packaging.utils.canonicalize_name(name, validate=False)
    )
    return dbsession.scalar(query.with_for_update() if lock else query)


def get_project(dbsession, name) -> Project:
    """Like :func:`find_project`, but a missing project is a CatalogError."""
    project = find_project(dbsession, name)
    if project is None:
        raise CatalogError(f"project {name!r} not found")
    return project


def list_projects(dbsession, *, containing=None, offset=0, limit=None) -> list[Project]:
    """Projects by normal name; ``containing``: only those whose name holds
    that text (in normal form); ``offset`` and ``limit``: one page of them."""
    query = select(Project).order_by(Project.normalized_name)
    if containing:
        text = packaging.utils.canonicalize_name(containing, validate=False)
        query = query.where(Project.normalized_name.contains(text, autoescape=True))
    return list(dbsession.scalars(query.offset(offset).limit(limit)))


def set_status(dbsession, name, status, reason=None, user=None, actor=None) -> str:
    """``actor``: who, for the audit log (None: the command line)."""
    try:
        status = ProjectStatus(status)
    except ValueError:
        raise CatalogError(
            f"unknown status {status!r}: use one of {', '.join(ProjectStatus)}"
        ) from None
    project = get_project(dbsession, name)
    old = project.status
    project.status = status
    project.status_reason = reason or None
    reindex(dbsession, project)  # a quarantined project is not found
    audit.record(
        dbsession,
        Event.STATUS_CHANGED,
        actor,
        project=project.name,
        detail=f"{old} -> {status}" + (f": {reason}" if reason else ""),
    )
    journal.record(dbsession, project, f"set status {status}", user=user)
    return project.name

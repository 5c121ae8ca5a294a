"""The answers of pypi.org's XML-RPC methods, read from the database; no HTTP.

Each function takes a Core connection (the read path's) and the method's
arguments, already checked for type, and returns what pypi.org returns, in
Python values; :mod:`cheeseshop.api.xmlrpc` encodes them. A project or
release that is not there is an empty answer (``[]`` or ``{}``), as on
pypi.org, never an error.

Every method runs one or two indexed queries. The changelog methods return
at most ``CHANGELOG_LIMIT`` entries per call, as pypi.org does: a mirror
calls again with the last serial it received until it gets fewer.
"""

import datetime

import packaging.utils
import packaging.version
from sqlalchemy import func, select

from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.models.accounts import Role, User
from cheeseshop.models.catalog import FILES, PROJECTS, RELEASES
from cheeseshop.models.journal import JournalEntry
from cheeseshop.rendering.project_json import file_document, latest_release
from cheeseshop.resources import is_project_name

CHANGELOG_LIMIT = 50_000  # pypi.org's cap on one changelog call
MAX_VERSION = 100  # the releases' version columns
MAX_USERNAME = 50  # the users' username column

JOURNAL = JournalEntry.__table__
ROLES = Role.__table__
USERS = User.__table__


def _project(connection, name):
    """The project's row, any spelling of its name, or None."""
    if not isinstance(name, str) or not is_project_name(name):
        return None
    normalized = packaging.utils.canonicalize_name(name)
    return connection.execute(
        select(PROJECTS).where(PROJECTS.c.normalized_name == normalized)
    ).first()


def _release(connection, project, version):
    if len(version) > MAX_VERSION or not version.isascii() or not version.isprintable():
        return None
    try:
        canonical = packaging.utils.canonicalize_version(version)
    except ValueError:
        return None
    return connection.execute(
        select(RELEASES).where(
            RELEASES.c.project_id == project.id, RELEASES.c.canonical_version == canonical
        )
    ).first()


def _timestamp(value: datetime.datetime) -> int:
    """A journal time (naive UTC) in seconds since the epoch."""
    return int(value.replace(tzinfo=datetime.UTC).timestamp())


# Projects


def list_packages(connection) -> list[str]:
    """Every project's name, as it was first uploaded, by normal name."""
    return list(connection.scalars(select(PROJECTS.c.name).order_by(PROJECTS.c.normalized_name)))


def list_packages_with_serial(connection) -> dict[str, int]:
    """{name: last serial} of every project."""
    rows = connection.execute(select(PROJECTS.c.name, PROJECTS.c.last_serial))
    return {name: serial for name, serial in rows}


def package_releases(connection, name, show_hidden=False) -> list[str]:
    """The project's versions, newest first (``show_hidden``), else only its
    latest: the newest final release not yanked, else the newest release
    not yanked; ``[]`` when every release is yanked. pypi.org has no hidden
    releases any more and gives ``show_hidden`` this meaning."""
    project = _project(connection, name)
    if project is None:
        return []
    releases = connection.execute(
        select(RELEASES.c.version, RELEASES.c.yanked, RELEASES.c.is_prerelease).where(
            RELEASES.c.project_id == project.id
        )
    ).all()
    releases.sort(key=lambda r: packaging.version.Version(r.version))
    if show_hidden:
        return [r.version for r in reversed(releases)]
    latest = latest_release(releases)
    if latest is None or latest.yanked:
        return []
    return [latest.version]


def release_urls(connection, name, version, files_url) -> list[dict]:
    """The release's files as pypi.org's XML-RPC describes them; ``[]`` for a
    quarantined project, which offers no files (PEP 792)."""
    project = _project(connection, name)
    if project is None or not ProjectStatus(project.status).offers_files:
        return []
    release = _release(connection, project, version)
    if release is None:
        return []
    files = connection.execute(
        select(FILES).where(FILES.c.release_id == release.id).order_by(FILES.c.filename)
    ).all()
    urls = []
    for file in files:
        document = file_document(file, release, files_url)
        # An XML-RPC dateTime, as pypi.org's (the ISO string stays beside it).
        document["upload_time"] = file.upload_time.replace(microsecond=0)
        urls.append(document)
    return urls


def release_data(connection, name, version, base_url) -> dict:
    """The release's metadata as pypi.org's XML-RPC returns it; ``{}`` when
    there is no such release."""
    project = _project(connection, name)
    if project is None:
        return {}
    release = _release(connection, project, version)
    if release is None:
        return {}
    project_url = f"{base_url}project/{project.normalized_name}/"
    return {
        "name": project.name,
        "version": release.version,
        "stable_version": "",
        "bugtrack_url": "",
        "package_url": project_url,
        "release_url": f"{project_url}{release.version}/",
        "docs_url": "",
        "home_page": release.home_page or "",
        "download_url": release.download_url or "",
        "project_url": [f"{label}, {url}" for label, url in (release.project_urls or {}).items()],
        "author": release.author or "",
        "author_email": release.author_email or "",
        "maintainer": release.maintainer or "",
        "maintainer_email": release.maintainer_email or "",
        "summary": release.summary or "",
        "description": release.description or "",
        "description_content_type": release.description_content_type or "",
        "license": release.license or "",
        "license_expression": release.license_expression or "",
        "keywords": release.keywords or "",
        "platform": ", ".join(release.platforms or []),
        "classifiers": release.classifiers or [],
        "requires": [],
        "requires_dist": release.requires_dist or [],
        "provides": [],
        "provides_dist": release.provides_dist or [],
        "obsoletes": [],
        "obsoletes_dist": release.obsoletes_dist or [],
        "requires_python": release.requires_python or "",
        "requires_external": release.requires_external or [],
        "provides_extra": release.provides_extra or [],
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or "",
        "downloads": {"last_day": -1, "last_week": -1, "last_month": -1},
    }


# Roles


def package_roles(connection, name) -> list[tuple[str, str]]:
    """(role, username) of everyone with a role on the project: owners
    first, then by username."""
    project = _project(connection, name)
    if project is None:
        return []
    rows = connection.execute(
        select(ROLES.c.role_name, USERS.c.username)
        .join(USERS, ROLES.c.user_id == USERS.c.id)
        .where(ROLES.c.project_id == project.id)
        .order_by(ROLES.c.role_name.desc(), USERS.c.username)
    )
    return [tuple(row) for row in rows]


def user_packages(connection, username) -> list[tuple[str, str]]:
    """(role, project name) of every project the user has a role on:
    owner roles first, then by project."""
    if len(username) > MAX_USERNAME or not username.isprintable():
        return []
    rows = connection.execute(
        select(ROLES.c.role_name, PROJECTS.c.name)
        .join(USERS, ROLES.c.user_id == USERS.c.id)
        .join(PROJECTS, ROLES.c.project_id == PROJECTS.c.id)
        .where(USERS.c.username == username)
        .order_by(ROLES.c.role_name.desc(), PROJECTS.c.normalized_name)
    )
    return [tuple(row) for row in rows]


# The changelog


def changelog_last_serial(connection) -> int:
    return connection.scalar(select(func.max(JOURNAL.c.id))) or 0


def _entry(row, with_id=True):
    entry = (row.name, row.version or "", _timestamp(row.submitted_date), row.action)
    return entry + (row.id,) if with_id else entry


def _journal():
    return select(
        JOURNAL.c.id,
        JOURNAL.c.name,
        JOURNAL.c.version,
        JOURNAL.c.submitted_date,
        JOURNAL.c.action,
    )


def changelog_since_serial(connection, serial, limit=None) -> list[tuple]:
    """(name, version, timestamp, action, serial) of the entries after
    ``serial``, oldest first, at most ``limit`` (``CHANGELOG_LIMIT``) of them."""
    rows = connection.execute(
        _journal()
        .where(JOURNAL.c.id > serial)
        .order_by(JOURNAL.c.id)
        .limit(limit or CHANGELOG_LIMIT)
    )
    return [_entry(row) for row in rows]


def changelog(connection, since, with_ids=False, limit=None) -> list[tuple]:
    """(name, version, timestamp, action[, serial]) of the entries made
    after ``since`` (seconds since the epoch), oldest first, at most
    ``limit`` (``CHANGELOG_LIMIT``) of them."""
    after = datetime.datetime.fromtimestamp(since, datetime.UTC).replace(tzinfo=None)
    rows = connection.execute(
        _journal()
        .where(JOURNAL.c.submitted_date > after)
        .order_by(JOURNAL.c.submitted_date, JOURNAL.c.id)
        .limit(limit or CHANGELOG_LIMIT)
    )
    return [_entry(row, with_ids) for row in rows]

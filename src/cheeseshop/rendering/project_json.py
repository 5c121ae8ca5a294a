"""pypi.org's JSON API documents: ``/pypi/<project>/json`` and
``/pypi/<project>/<version>/json``.

Rows are read with Core selects (a Connection or a Session will do): these
pages are read far more often than written, and ORM objects cost more.
"""

import json

import packaging.version
from sqlalchemy import select

from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.models.catalog import FILES, RELEASES
from cheeseshop.models.timestamps import iso_8601, legacy_upload_time


def file_document(file, release, files_url):
    return {
        "comment_text": file.comment_text or "",
        "digests": {
            "blake2b_256": file.blake2_256_digest,
            "md5": file.md5_digest,
            "sha256": file.sha256_digest,
        },
        "downloads": -1,
        "filename": file.filename,
        "has_sig": False,
        "md5_digest": file.md5_digest,
        "packagetype": file.packagetype,
        "python_version": file.python_version,
        "requires_python": file.requires_python,
        "size": file.size,
        "upload_time": legacy_upload_time(file.upload_time),
        "upload_time_iso_8601": iso_8601(file.upload_time),
        "url": files_url + file.path,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }


def _info(project, release, base_url):
    return {
        "author": release.author or "",
        "author_email": release.author_email or "",
        "bugtrack_url": None,
        "classifiers": release.classifiers or [],
        "description": release.description or "",
        "description_content_type": release.description_content_type,
        "description_html": release.description_html,
        "docs_url": None,
        "download_url": release.download_url or "",
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": release.dynamic,
        "home_page": release.home_page or "",
        "keywords": release.keywords or "",
        "license": release.license or "",
        "license_expression": release.license_expression,
        "license_files": release.license_files,
        "maintainer": release.maintainer or "",
        "maintainer_email": release.maintainer_email or "",
        "name": project.name,
        "package_url": f"{base_url}project/{project.normalized_name}/",
        "platform": ", ".join(release.platforms) if release.platforms else "",
        "project_url": f"{base_url}project/{project.normalized_name}/",
        "project_urls": release.project_urls,
        "provides_extra": release.provides_extra,
        "release_url": f"{base_url}project/{project.normalized_name}/{release.version}/",
        "requires_dist": release.requires_dist,
        "requires_python": release.requires_python or "",
        "summary": release.summary or "",
        "version": release.version,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }


# The keys of _info's dict, for a project with no release to take them from.
_INFO_KEYS = (
    "author",
    "author_email",
    "bugtrack_url",
    "classifiers",
    "description",
    "description_content_type",
    "description_html",
    "docs_url",
    "download_url",
    "downloads",
    "dynamic",
    "home_page",
    "keywords",
    "license",
    "license_expression",
    "license_files",
    "maintainer",
    "maintainer_email",
    "name",
    "package_url",
    "platform",
    "project_url",
    "project_urls",
    "provides_extra",
    "release_url",
    "requires_dist",
    "requires_python",
    "summary",
    "version",
    "yanked",
    "yanked_reason",
)


def _releases(connection, project):
    releases = connection.execute(select(RELEASES).where(RELEASES.c.project_id == project.id)).all()
    releases.sort(key=lambda r: packaging.version.Version(r.version))
    return releases


def latest_release(releases):
    """pypi.org's choice for ``info``: the newest final release that is not
    yanked, else the newest that is not yanked, else the newest."""
    for acceptable in (
        lambda r: not r.yanked and not r.is_prerelease,
        lambda r: not r.yanked,
        lambda r: True,
    ):
        for release in reversed(releases):
            if acceptable(release):
                return release
    return None


def _files_by_release(connection, project):
    files = connection.execute(
        select(FILES)
        .join(RELEASES, FILES.c.release_id == RELEASES.c.id)
        .where(RELEASES.c.project_id == project.id)
        .order_by(FILES.c.filename)
    ).all()
    by_release = {}
    for file in files:
        by_release.setdefault(file.release_id, []).append(file)
    return by_release


def _no_release_info(project, base_url):
    """``info`` of a project whose releases were all removed: the project's
    name and links, and every field a release would fill empty."""
    info = dict.fromkeys(_INFO_KEYS)
    info.update(
        name=project.name,
        package_url=f"{base_url}project/{project.normalized_name}/",
        project_url=f"{base_url}project/{project.normalized_name}/",
        classifiers=[],
        downloads={"last_day": -1, "last_month": -1, "last_week": -1},
        yanked=False,
    )
    return info


def project_document(connection, project, files_url, base_url) -> bytes:
    """The project's document. A project whose releases were all removed
    still has one, with no releases, where pypi.org answers 404: a mirror
    (bandersnatch) skips a project that answers 404 and goes on serving the
    removed files from its old page, but rewrites its page from this one."""
    releases = _releases(connection, project)
    latest = latest_release(releases)
    files = (
        _files_by_release(connection, project) if ProjectStatus(project.status).offers_files else {}
    )
    if latest is None:
        info, urls = _no_release_info(project, base_url), []
    else:
        info = _info(project, latest, base_url)
        urls = [file_document(f, latest, files_url) for f in files.get(latest.id, [])]
    document = {
        "info": info,
        "last_serial": project.last_serial,
        "releases": {
            r.version: [file_document(f, r, files_url) for f in files.get(r.id, [])]
            for r in releases
        },
        "urls": urls,
        "vulnerabilities": [],
    }
    return json.dumps(document).encode()


def release_document(connection, project, release, files_url, base_url) -> bytes:
    files = []
    if ProjectStatus(project.status).offers_files:
        files = connection.execute(
            select(FILES).where(FILES.c.release_id == release.id).order_by(FILES.c.filename)
        ).all()
    document = {
        "info": _info(project, release, base_url),
        "last_serial": project.last_serial,
        "urls": [file_document(f, release, files_url) for f in files],
        "vulnerabilities": [],
    }
    return json.dumps(document).encode()

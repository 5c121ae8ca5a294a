"""The simple page of an upstream project, as this index serves it.

It says what the upstream's page says (hashes, requires-python, yanked and
why, core-metadata, size, upload-time, the project's status), in the same
shape as a local project's page (:mod:`cheeseshop.rendering.simple_index`);
only the links change: they point at this index's ``/cache/``, which fetches
each file from the upstream on its first download. A file the upstream gives
no sha256 for is left out: its bytes could not be verified.
"""

import collections
import datetime

import packaging.utils
import packaging.version

from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.rendering import simple_index

# What the renderers read of a project row.
ProjectView = collections.namedtuple(
    "ProjectView", "normalized_name last_serial status status_reason"
)


def cache_path(normalized_name, sha256, filename):
    """A cached file's path under ``/cache/``."""
    return f"{normalized_name}/{sha256}/{filename}"


def _upload_time(text):
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def _versions(page):
    if page.versions:
        return list(page.versions)
    found = set()
    for f in page.files:
        try:
            if f.filename.endswith(".whl"):
                found.add(str(packaging.utils.parse_wheel_filename(f.filename)[1]))
            else:
                found.add(str(packaging.utils.parse_sdist_filename(f.filename)[1]))
        except (packaging.utils.InvalidWheelFilename, packaging.utils.InvalidSdistFilename):
            continue
    return sorted(found, key=packaging.version.Version)


def _status(page):
    try:
        return ProjectStatus(page.status or "active")
    except ValueError:  # a status this index does not know: shown as active
        return ProjectStatus("active")


def project_view(name, page, serial):
    return ProjectView(name, serial, str(_status(page)), page.status_reason)


def versions_and_files(name, page):
    """(versions, files) as :func:`simple_index.project_versions_and_files`
    gives them for a local project."""
    if not _status(page).offers_files:
        return [], []
    files = [
        simple_index.SimpleFile(
            filename=f.filename,
            path=cache_path(name, f.sha256, f.filename),
            sha256=f.sha256,
            requires_python=f.requires_python,
            metadata_sha256=f.metadata_sha256 or None,
            size=f.size,
            upload_time=_upload_time(f.upload_time),
            yanked=f.yanked is not None,
            yanked_reason=f.yanked or "",
        )
        for f in page.files
        if f.sha256
    ]
    files.sort(key=lambda f: f.filename)
    return _versions(page), files


def render(name, page, serial, media_type, files_url) -> bytes:
    project = project_view(name, page, serial)
    versions, files = versions_and_files(name, page)
    if media_type == simple_index.V1_JSON:
        return simple_index.render_project_json(project, versions, files, files_url)
    return simple_index.render_project_html(project, versions, files, files_url)


def find_file(page, sha256, name):
    """(the upstream file, is it its .metadata) the cache path names, or None."""
    for f in page.files:
        if f.sha256 != sha256:
            continue
        if f.filename == name:
            return f, False
        if name == f.filename + ".metadata" and f.metadata_sha256:
            return f, True
    return None

"""What the simple repository API says about projects (PEP 503, 691, 592,
629, 658, 700, 714, 792), rendered as HTML or JSON.

Views and any pre-rendering job call the same functions: a page is a pure
function of the database state at a project's ``last_serial`` and of the
base URL files are served from.
"""

import dataclasses
import datetime
import html
import json

import packaging.version
from sqlalchemy import select

from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.models.catalog import File, Project, Release
from cheeseshop.models.timestamps import iso_8601

API_VERSION = "1.4"
HTML = "text/html"
V1_HTML = "application/vnd.pypi.simple.v1+html"
V1_JSON = "application/vnd.pypi.simple.v1+json"
LATEST_HTML = "application/vnd.pypi.simple.latest+html"
LATEST_JSON = "application/vnd.pypi.simple.latest+json"
# What each accepted media type is answered with.
MEDIA_TYPES = {
    V1_JSON: V1_JSON,
    LATEST_JSON: V1_JSON,
    V1_HTML: V1_HTML,
    LATEST_HTML: V1_HTML,
    HTML: HTML,
}
# Offered in this order, so an Accept of */* (or none) gets HTML.
OFFERS = [HTML, V1_HTML, LATEST_HTML, V1_JSON, LATEST_JSON]


@dataclasses.dataclass(frozen=True)
class SimpleFile:
    filename: str
    path: str
    sha256: str
    requires_python: str | None
    metadata_sha256: str | None
    size: int
    upload_time: datetime.datetime | None
    yanked: bool
    yanked_reason: str


def project_versions_and_files(connection, project):
    """(versions, files) of a project, oldest version first."""
    if not ProjectStatus(project.status).offers_files:
        # PEP 792: a quarantined project offers nothing to install.
        return [], []
    versions = connection.scalars(
        select(Release.version).where(Release.project_id == project.id)
    ).all()
    versions.sort(key=packaging.version.Version)
    rows = connection.execute(
        select(
            File.filename,
            File.path,
            File.sha256_digest,
            File.requires_python,
            File.metadata_sha256,
            File.size,
            File.upload_time,
            Release.yanked,
            Release.yanked_reason,
        )
        .join(Release, File.release_id == Release.id)
        .where(Release.project_id == project.id)
        .order_by(File.filename)
    ).all()
    return versions, [SimpleFile(*row) for row in rows]


def render_project_json(project, versions, files, files_url) -> bytes:
    data = {
        "meta": {"api-version": API_VERSION, "_last-serial": project.last_serial},
        "name": project.normalized_name,
        "versions": versions,
        "files": [
            {
                "filename": f.filename,
                "url": files_url + f.path,
                "hashes": {"sha256": f.sha256},
                "requires-python": f.requires_python,
                "core-metadata": {"sha256": f.metadata_sha256} if f.metadata_sha256 else False,
                # PEP 714 renamed the key; older pip still reads this one.
                "data-dist-info-metadata": (
                    {"sha256": f.metadata_sha256} if f.metadata_sha256 else False
                ),
                "yanked": (f.yanked_reason or True) if f.yanked else False,
                "size": f.size,
                # Optional (PEP 700): an upstream page may not give it.
                **({"upload-time": iso_8601(f.upload_time)} if f.upload_time else {}),
            }
            for f in files
        ],
        "project-status": _status(project),
    }
    return json.dumps(data, separators=(",", ":")).encode()


def _status(project):
    status = {"status": project.status}
    if project.status_reason:
        status["reason"] = project.status_reason
    return status


def render_project_html(project, versions, files, files_url) -> bytes:
    esc = html.escape
    out = [
        "<!DOCTYPE html>\n<html>\n  <head>\n",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n',
        f'    <meta name="pypi:project-status" content="{esc(project.status)}">\n',
    ]
    if project.status_reason:
        out.append(
            f'    <meta name="pypi:project-status-reason" content="{esc(project.status_reason)}">\n'
        )
    out.append(f"    <title>Links for {esc(project.normalized_name)}</title>\n  </head>\n")
    out.append(f"  <body>\n    <h1>Links for {esc(project.normalized_name)}</h1>\n")
    for f in files:
        attrs = [f'href="{esc(files_url + f.path)}#sha256={f.sha256}"']
        if f.requires_python:
            attrs.append(f'data-requires-python="{esc(f.requires_python)}"')
        if f.metadata_sha256:
            attrs.append(f'data-dist-info-metadata="sha256={f.metadata_sha256}"')
            attrs.append(f'data-core-metadata="sha256={f.metadata_sha256}"')
        if f.yanked:
            attrs.append(f'data-yanked="{esc(f.yanked_reason)}"')
        out.append(f"    <a {' '.join(attrs)}>{esc(f.filename)}</a><br />\n")
    out.append("  </body>\n</html>\n")
    return "".join(out).encode()


def iter_projects(connection, batch=2000):
    """(normalized name, display name, last serial) of every project, by name."""
    result = connection.execute(
        select(Project.normalized_name, Project.name, Project.last_serial)
        .order_by(Project.normalized_name)
        .execution_options(yield_per=batch)
    )
    yield from result


def iter_root_html(projects):
    yield (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
    ).encode()
    chunk = []
    for normalized, name, _serial in projects:
        chunk.append(f'    <a href="{html.escape(normalized)}/">{html.escape(name)}</a>\n')
        if len(chunk) >= 1000:
            yield "".join(chunk).encode()
            chunk = []
    chunk.append("  </body>\n</html>\n")
    yield "".join(chunk).encode()


def iter_root_json(projects, serial):
    yield (
        f'{{"meta":{{"api-version":"{API_VERSION}","_last-serial":{serial:d}}},"projects":['
    ).encode()
    chunk = []
    first = True
    for _normalized, name, project_serial in projects:
        item = json.dumps({"name": name, "_last-serial": project_serial}, separators=(",", ":"))
        chunk.append(item if first else "," + item)
        first = False
        if len(chunk) >= 1000:
            yield "".join(chunk).encode()
            chunk = []
    chunk.append("]}")
    yield "".join(chunk).encode()

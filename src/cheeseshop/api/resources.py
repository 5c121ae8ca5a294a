"""Traversal of the machine protocols: ``simple``, ``pypi``, ``packages``,
``legacy``, ``RPC2``, ``rss``.

A project name that is not in PEP 503 normal form is redirected (301) once,
at the root (see :func:`cheeseshop.resources.redirect_to_canonical`), for
every view beneath it; a missing project is a KeyError, which Pyramid turns
into 404. So is a segment that cannot name anything stored (not a project
name, a version or a file name): it is refused before any query.
"""

import re

import packaging.utils
from pyramid.authorization import Allow, Authenticated
from sqlalchemy import bindparam, select

from cheeseshop.accounts.roles import RoleName
from cheeseshop.catalog.projects import ProjectStatus, find_project
from cheeseshop.models.accounts import Role
from cheeseshop.models.catalog import FILES, PROJECTS, RELEASES
from cheeseshop.resources import Resource, is_project_name, project_in_normal_form
from cheeseshop.security.permissions import ADMINS, Permission
from cheeseshop.storage import keys

# Built once: constructing the statement cost more than running it.
_PROJECT_BY_NAME = select(PROJECTS).where(PROJECTS.c.normalized_name == bindparam("name"))


def _project(request, normalized_name):
    """The project's row (read path: Core, no ORM objects), or KeyError."""
    project = request.read_connection.execute(_PROJECT_BY_NAME, {"name": normalized_name}).first()
    if project is None:
        raise KeyError(normalized_name)
    return project


MAX_VERSION = 100  # the releases' version columns
MAX_KEY = 400 + len(keys.METADATA_SUFFIX)  # the files' path column, and .metadata
MAX_CACHED_NAME = 320  # upstream_objects.name


def _plain(segment, limit):
    """Whether a segment could be part of anything stored: printable ASCII
    (no NUL, CR or LF, which PostgreSQL or a header would refuse), and not
    longer than the column it is looked up in."""
    return len(segment) <= limit and segment.isascii() and segment.isprintable()


def _project_segment(request, name):
    """The project a path segment names, or KeyError. A GET or HEAD reaches
    this with the name in normal form (the root redirected it); any other
    method with a name spelled otherwise finds nothing."""
    if not is_project_name(name) or packaging.utils.canonicalize_name(name) != name:
        raise KeyError(name)
    return _project(request, name)


class SimpleIndex(Resource):
    """``/simple/``: every project; with a pull-through cache
    (``cheeseshop.upstream``), also the upstream's projects this index does
    not host, unless blocked."""

    canonical_segments = staticmethod(project_in_normal_form)

    def __getitem__(self, name):
        try:
            project = _project_segment(self.request, name)
        except KeyError:
            if not _from_upstream(self.request, name):
                raise
            return UpstreamSimpleProject(self.request, name, self)
        return SimpleProject(self.request, name, self, project)


def _from_upstream(request, name):
    """Whether ``name`` (not hosted here) may be looked up upstream; a
    blocked name is found out by the cache itself, before it asks the
    upstream (what the cache keeps is never of a blocked name)."""
    return (
        request.upstream is not None
        and is_project_name(name)
        and packaging.utils.canonicalize_name(name) == name
    )


class UpstreamSimpleProject(Resource):
    """``/simple/<project>/`` of a project the upstream may have."""

    @property
    def normalized_name(self):
        return self.__name__


class CachedFiles(Resource):
    """``/cache/<project>/<file's sha256>/<filename>`` (and ``….metadata``):
    the upstream's files, fetched on their first download."""

    canonical_segments = staticmethod(project_in_normal_form)

    def __getitem__(self, name):
        if not _from_upstream(self.request, name):
            raise KeyError(name)
        return CachedFilesOfProject(self.request, name, self)


SHA256 = re.compile(r"[0-9a-f]{64}")


class CachedFilesOfProject(Resource):
    def __getitem__(self, digest):
        if not SHA256.fullmatch(digest):
            raise KeyError(digest)
        return CachedFilesOfDigest(self.request, digest, self)


class CachedFilesOfDigest(Resource):
    def __getitem__(self, name):
        if not _plain(name, MAX_CACHED_NAME) or "/" in name:
            raise KeyError(name)
        return CachedObject(self.request, name, self)


class CachedObject(Resource):
    """One cached object: ``__name__`` is the filename or filename.metadata."""

    @property
    def project_name(self):
        return self.__parent__.__parent__.__name__

    @property
    def file_sha256(self):
        return self.__parent__.__name__


class ProjectResource(Resource):
    """A project as read by the simple and JSON APIs (its row)."""

    def __init__(self, request, name, parent, project):
        super().__init__(request, name, parent)
        self.project = project


class UploadTarget(ProjectResource):
    """A project an upload goes to, or one the upload is about to create
    (``project`` None); its ACL names who may upload, as ``session`` reads
    the roles."""

    def __init__(self, request, name, parent, project, session):
        super().__init__(request, name, parent, project)
        self.session = session

    @property
    def __acl__(self):
        if self.project is None:
            return [(Allow, Authenticated, Permission.UPLOAD)]
        roles = self.session.execute(
            select(Role.user_id, Role.role_name).where(Role.project_id == self.project.id)
        ).all()
        return [(Allow, ADMINS, Permission.UPLOAD)] + [
            (Allow, f"user:{user_id}", Permission.UPLOAD)
            for user_id, role_name in roles
            if role_name in (RoleName.OWNER, RoleName.MAINTAINER)
        ]


class SimpleProject(ProjectResource):
    """``/simple/<project>/``."""


class JsonIndex(Resource):
    """``/pypi/``: the JSON API."""

    canonical_segments = staticmethod(project_in_normal_form)

    def __getitem__(self, name):
        return JsonProject(self.request, name, self, _project_segment(self.request, name))


class XmlRpcEndpoint(Resource):
    """``/RPC2``: XML-RPC, as at ``/pypi`` (the view is the container's)."""


class JsonProject(ProjectResource):
    """``/pypi/<project>/json`` (the view) and ``/pypi/<project>/<version>/``."""

    def __getitem__(self, version):
        if version == "json":
            raise KeyError(version)  # the view name, not a version
        if not _plain(version, MAX_VERSION):
            raise KeyError(version)
        try:
            canonical = packaging.utils.canonicalize_version(version)
        except ValueError:  # e.g. a number past int()'s digit limit
            raise KeyError(version) from None
        release = self.request.read_connection.execute(
            select(RELEASES).where(
                RELEASES.c.project_id == self.project.id,
                RELEASES.c.canonical_version == canonical,
            )
        ).first()
        if release is None:
            raise KeyError(version)
        return JsonRelease(self.request, version, self, release)


class JsonRelease(Resource):
    def __init__(self, request, name, parent, release):
        super().__init__(request, name, parent)
        self.release = release
        self.project = parent.project


def feed_project_in_normal_form(segments):
    """``canonical_segments`` of ``/rss/``: the project name of
    ``/rss/project/<name>/releases.xml`` in PEP 503 normal form."""
    if len(segments) > 2 and segments[1] == "project" and is_project_name(segments[2]):
        segments[2] = packaging.utils.canonicalize_name(segments[2])
    return segments


class Feeds(Resource):
    """``/rss/``: ``updates.xml`` and ``packages.xml`` (views), and
    ``project/<name>/releases.xml``."""

    canonical_segments = staticmethod(feed_project_in_normal_form)

    def __getitem__(self, name):
        if name != "project":
            raise KeyError(name)  # a view's name, or nothing
        return ProjectFeeds(self.request, name, self)


class ProjectFeeds(Resource):
    """``/rss/project/``: the projects that offer their files (a quarantined
    one has no feed)."""

    def __getitem__(self, name):
        project = _project_segment(self.request, name)
        if not ProjectStatus(project.status).offers_files:
            raise KeyError(name)
        return ProjectFeed(self.request, name, self, project)


class ProjectFeed(ProjectResource):
    """``/rss/project/<name>/`` (``releases.xml`` is the view)."""


class Packages(Resource):
    """``/packages/ab/cd/<rest of blake2b>/<filename>``, and ``….metadata``."""

    def __init__(self, request, name, parent, segments=()):
        super().__init__(request, name, parent)
        self.segments = segments

    def __getitem__(self, segment):
        if not _plain(segment, MAX_KEY):
            raise KeyError(segment)
        segments = self.segments + (segment,)
        if len(segments) < keys.SEGMENTS:
            return Packages(self.request, segment, self, segments)
        if len(segments) > keys.SEGMENTS:
            raise KeyError(segment)
        return DistributionFile.find(self.request, segment, self, "/".join(segments))


class DistributionFile(Resource):
    """One stored file; ``metadata`` is True for its PEP 658 ``.metadata``."""

    def __init__(self, request, name, parent, file, project_status, metadata):
        super().__init__(request, name, parent)
        self.file = file
        self.project_status = project_status
        self.metadata = metadata

    @classmethod
    def find(cls, request, name, parent, key):
        if len(key) > MAX_KEY:
            raise KeyError(name)
        metadata = keys.is_metadata_key(key)
        path = keys.file_key_of(key)
        row = request.read_connection.execute(
            select(
                FILES.c.filename,
                FILES.c.path,
                FILES.c.size,
                FILES.c.sha256_digest,
                FILES.c.metadata_sha256,
                PROJECTS.c.status,
            )
            .join(RELEASES, FILES.c.release_id == RELEASES.c.id)
            .join(PROJECTS, RELEASES.c.project_id == PROJECTS.c.id)
            .where(FILES.c.path == path)
        ).first()
        if row is None or (metadata and row.metadata_sha256 is None):
            raise KeyError(name)
        # PEP 792: a quarantined project's files are not offered at all.
        if not ProjectStatus(row.status).offers_files:
            raise KeyError(name)
        return cls(request, name, parent, row, row.status, metadata)

    @property
    def key(self):
        return keys.metadata_key(self.file.path) if self.metadata else self.file.path


class LegacyUpload(Resource):
    """``/legacy/``: the upload API of twine, uv, poetry, pdm and distutils."""

    def project(self, normalized_name):
        """The UploadTarget an upload is authorized against, locked in the
        upload's transaction."""
        project = find_project(self.request.dbsession, normalized_name)
        return self.target(project, normalized_name)

    def project_as_read(self, normalized_name):
        """The UploadTarget as the read connection sees it: no lock, no
        write transaction, so an upload can be refused before its archive
        is opened, and authorized again under the lock afterwards."""
        session = self.request.read_session
        project = find_project(session, normalized_name, lock=False)
        return UploadTarget(self.request, normalized_name, self, project, session)

    def target(self, project, normalized_name=None):
        name = normalized_name or project.normalized_name
        return UploadTarget(self.request, name, self, project, self.request.dbsession)


CONTAINERS = {
    "simple": SimpleIndex,
    "pypi": JsonIndex,
    "packages": Packages,
    "legacy": LegacyUpload,
    "RPC2": XmlRpcEndpoint,
    "rss": Feeds,
    "cache": CachedFiles,
}


def includeme(config):
    for name, factory in CONTAINERS.items():
        config.add_url_container(name, factory)

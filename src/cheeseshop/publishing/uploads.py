"""The upload transaction: from a validated form to stored bytes, rows and
journal entries.

Steps, each its own function: read the form's metadata and filename
(:func:`read_upload`), find the project (:func:`find_project`, the caller
authorizes against it), receive and check the bytes, then store them and
record the rows (:func:`add_file`). A rejection raises :class:`UploadRejected`
before anything is stored; an error after storing aborts the transaction and
:mod:`cheeseshop.storage.transaction` removes the bytes again.
"""

import dataclasses
import hashlib
import io
import re

import packaging.utils
import packaging.version
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cheeseshop.accounts import users as accounts
from cheeseshop.catalog import journal
from cheeseshop.publishing import distributions, readme
from cheeseshop.publishing.distributions import InvalidDistribution
from cheeseshop.models.catalog import File, Project, Release
from cheeseshop.storage import keys
from cheeseshop.storage.transaction import stored_bytes

DEFAULT_MAX_FILE_SIZE = 1024**3
WRITABLE_STATUSES = ("active", "deprecated")
PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
FILETYPES = {"sdist": "sdist", "bdist_wheel": "bdist_wheel"}


class UploadRejected(Exception):
    """``status`` is the HTTP status to answer with, ``str()`` the reason."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass
class Upload:
    metadata: object  # packaging.metadata.Metadata
    filename: distributions.DistributionFilename | None

    @property
    def name(self):
        return self.metadata.name

    @property
    def normalized_name(self):
        return packaging.utils.canonicalize_name(self.metadata.name)


def read_upload(getall, filename=None) -> Upload:
    """Check what the form says about the file before reading its bytes
    (``filename`` None: a metadata-only ``register``)."""
    for required in ("name", "version"):
        if not [v for v in getall(required) if v.strip()]:
            raise UploadRejected(f"'{required}' is a required field.")
    name = getall("name")[0].strip()
    if not _valid_project_name(name):
        raise UploadRejected(
            f"Invalid value for name. Error: {name!r} is not a valid project name: "
            "start and end with a letter or digit and use only letters, digits, "
            "'-', '_' and '.'."
        )
    version = getall("version")[0].strip()
    try:
        packaging.version.Version(version)
    except packaging.version.InvalidVersion:
        raise UploadRejected(
            f"Invalid value for version. Error: {version!r} is not a valid version "
            "(see https://packaging.python.org/specifications/version-specifiers/)."
        ) from None
    try:
        metadata = distributions.metadata_from_form(getall)
        parsed = distributions.parse_filename(filename) if filename is not None else None
    except InvalidDistribution as exc:
        raise UploadRejected(str(exc)) from exc
    if metadata.description:
        try:
            readme.check_content_type(metadata.description_content_type)
        except readme.ReadmeError as exc:
            raise UploadRejected(str(exc)) from exc
    if parsed is not None:
        _check_filename(getall, parsed, metadata)
    return Upload(metadata, parsed)


def _check_filename(getall, parsed, metadata):
    filename = parsed.filename
    filetype = (getall("filetype") or [""])[0]
    if filetype and FILETYPES.get(filetype) != parsed.packagetype:
        raise UploadRejected(
            f"Invalid value for filetype {filetype!r}: only sdist and bdist_wheel "
            f"are accepted, and {filename!r} is a {parsed.packagetype}."
        )
    if parsed.name != packaging.utils.canonicalize_name(metadata.name):
        raise UploadRejected(
            f"Start filename for {metadata.name!r} with "
            f"{packaging.utils.canonicalize_name(metadata.name).replace('-', '_')!r}: "
            f"{filename!r} belongs to another project."
        )
    if parsed.version != metadata.version:
        raise UploadRejected(
            f"Version in filename should be {str(metadata.version)!r} not "
            f"{str(parsed.version)!r}."
        )


def _valid_project_name(name):
    return PROJECT_NAME.fullmatch(name) is not None


def find_project(dbsession, normalized_name):
    """The project an upload goes to, locked for the rest of the transaction
    so that its serials are taken in order (None for a new project)."""
    return dbsession.scalar(
        select(Project).where(Project.normalized_name == normalized_name).with_for_update()
    )


@dataclasses.dataclass
class Result:
    file: File
    created: bool  # False: the identical file was there already


@dataclasses.dataclass
class CheckedFile:
    """An upload's bytes, received and checked; nothing stored yet."""

    received: distributions.ReceivedFile
    core_metadata: bytes | None  # the wheel's METADATA (PEP 658)
    description_html: str | None

    def close(self):
        self.received.close()


def check_file(upload, stream, digests, max_file_size) -> CheckedFile:
    """Receive the bytes and check them against the form: digests, archive,
    metadata inside, README. Touches no database, so it runs before the
    upload takes any lock."""
    try:
        received = distributions.receive(stream, max_file_size)
    except distributions.FileTooLarge as exc:
        raise UploadRejected(str(exc), status=413) from exc
    try:
        try:
            distributions.check_digests(received, **digests)
        except InvalidDistribution as exc:
            raise UploadRejected(str(exc)) from exc
        core_metadata = _inspect(received, upload)
        return CheckedFile(received, core_metadata, _render_readme(upload.metadata))
    except BaseException:
        received.close()
        raise


def add_file(dbsession, storage, user, project, upload, checked, may_upload=lambda project: True):
    """Store a checked file and record it; returns a Result.

    ``may_upload(project)`` authorizes again when a concurrent upload
    created the project first (the caller authorized against "new")."""
    if project is not None:
        existing = _existing_file(dbsession, project, upload, checked.received)
        if existing is not None:
            return Result(existing, created=False)
    return _record(dbsession, storage, user, project, upload, checked, may_upload)


def _existing_file(dbsession, project, upload, received):
    if project.status not in WRITABLE_STATUSES:
        raise UploadRejected(
            f"Project {project.name!r} is {project.status}: it accepts no new uploads."
        )
    same_name = dbsession.scalar(select(File).where(File.filename == upload.filename.filename))
    if same_name is not None:
        if same_name.blake2_256_digest == received.blake2_256:
            return same_name
        raise UploadRejected(
            f"File already exists ({upload.filename.filename!r}, with different contents). "
            "A filename can be used only once; use a new version number."
        )
    same_bytes = dbsession.scalar(
        select(File.filename).where(File.blake2_256_digest == received.blake2_256)
    )
    if same_bytes is not None:
        raise UploadRejected(
            f"The same file was already uploaded as {same_bytes!r}; "
            "a file's contents can be uploaded only once."
        )
    if upload.filename.packagetype == "sdist":
        other = dbsession.scalar(
            select(File.filename)
            .join(Release)
            .where(
                Release.project_id == project.id,
                Release.canonical_version
                == packaging.utils.canonicalize_version(upload.metadata.version),
                File.packagetype == "sdist",
            )
        )
        if other is not None:
            raise UploadRejected(
                f"Only one sdist may be uploaded per release; this one has {other!r}."
            )
    return None


def _inspect(received, upload):
    """The wheel's METADATA (for PEP 658), after checking the archive agrees
    with the form; None for sdists."""
    try:
        if upload.filename.packagetype == "bdist_wheel":
            data = distributions.wheel_metadata(received.file, upload.filename)
            inside = distributions.metadata_from_file(data, "METADATA in the wheel")
        else:
            data = None
            inside = distributions.metadata_from_file(
                distributions.sdist_pkg_info(received.file, upload.filename), "PKG-INFO"
            )
    except InvalidDistribution as exc:
        raise UploadRejected(str(exc)) from exc
    finally:
        received.file.seek(0)
    if packaging.utils.canonicalize_name(inside.name) != upload.normalized_name:
        raise UploadRejected(
            f"The name in the file's metadata ({inside.name!r}) does not match the "
            f"form's ({upload.name!r})."
        )
    if inside.version != upload.metadata.version:
        raise UploadRejected(
            f"The version in the file's metadata ({inside.version}) does not match "
            f"the form's ({upload.metadata.version})."
        )
    return data


def _render_readme(metadata):
    try:
        return readme.render(metadata.description, metadata.description_content_type)
    except readme.ReadmeError as exc:
        raise UploadRejected(str(exc)) from exc


def register(dbsession, user, project, upload, may_upload=lambda project: True):
    """distutils' ``register``: the project and release, without a file."""
    if project is not None and project.status not in WRITABLE_STATUSES:
        raise UploadRejected(
            f"Project {project.name!r} is {project.status}: it accepts no new releases."
        )
    return _release(
        dbsession, user, project, upload, _render_readme(upload.metadata), may_upload
    )


def _claim_project(dbsession, user, upload, may_upload):
    """Create the upload's project, owned by ``user`` — or, when a
    concurrent upload created it first, take that one if ``user`` may upload
    to it."""
    metadata = upload.metadata
    project = Project(name=metadata.name, normalized_name=upload.normalized_name)
    try:
        # A savepoint: on PostgreSQL the insert waits for the other
        # transaction and fails only if it committed the same name.
        with dbsession.begin_nested():
            dbsession.add(project)
    except IntegrityError:
        project = find_project(dbsession, upload.normalized_name)
        if project is None or not may_upload(project):
            raise UploadRejected(
                f"The user '{user.username}' isn't allowed to upload to project "
                f"'{metadata.name}'.",
                status=403,
            ) from None
        return project
    journal.record(dbsession, project, "create", user=user)
    accounts.grant_role(dbsession, user, project, accounts.OWNER)
    journal.record(dbsession, project, f"add {accounts.OWNER} {user.username}", user=user)
    return project


def _release(dbsession, user, project, upload, description_html, may_upload):
    """The upload's release, creating it and its project as needed."""
    metadata = upload.metadata
    if project is None:
        project = _claim_project(dbsession, user, upload, may_upload)

    canonical_version = packaging.utils.canonicalize_version(metadata.version)
    release = dbsession.scalar(
        select(Release).where(
            Release.project_id == project.id, Release.canonical_version == canonical_version
        )
    )
    if release is None:
        release = _new_release(project, metadata, canonical_version, description_html)
        dbsession.add(release)
        journal.record(dbsession, project, "new release", version=release.version, user=user)
    return release


def _record(dbsession, storage, user, project, upload, checked, may_upload):
    received, core_metadata = checked.received, checked.core_metadata
    # Bytes first, rows after: the journal's lock (see journal.record) is
    # then held only for a few inserts, never while a large file is copied.
    key = keys.file_key(received.blake2_256, upload.filename.filename)
    stored = [(key, received.file, received.size)]
    metadata_sha256 = None
    if core_metadata is not None:
        metadata_sha256 = hashlib.sha256(core_metadata).hexdigest()
        stored.append((keys.metadata_key(key), io.BytesIO(core_metadata), len(core_metadata)))
    storage = storage.for_transaction(dbsession)
    for stored_key, stream, size in stored:
        if not storage.transactional:
            # Registered before writing: a write that fails half-way is
            # cleaned up by the abort like a complete one.
            stored_bytes(
                storage, _referenced_by(dbsession), dbsession.info.get("transaction_manager")
            ).add(stored_key)
        storage.store(stored_key, stream, size)

    release = _release(dbsession, user, project, upload, checked.description_html, may_upload)
    project = release.project
    file = File(
        release=release,
        filename=upload.filename.filename,
        path=key,
        packagetype=upload.filename.packagetype,
        python_version=upload.filename.python_version,
        requires_python=release.requires_python,
        size=received.size,
        md5_digest=received.md5,
        sha256_digest=received.sha256,
        blake2_256_digest=received.blake2_256,
        metadata_sha256=metadata_sha256,
        uploaded_by_id=user.id,
    )
    dbsession.add(file)
    journal.record(
        dbsession,
        project,
        f"add {upload.filename.python_version} file {upload.filename.filename}",
        version=release.version,
        user=user,
    )
    try:
        dbsession.flush()
    except IntegrityError as exc:
        raise UploadRejected(
            f"File already exists ({upload.filename.filename!r}): another upload of it "
            "finished first.",
            status=409,
        ) from exc
    return Result(file, created=True)


def _new_release(project, metadata, canonical_version, description_html):
    def strings(values):
        return [str(v) for v in values] if values else None

    return Release(
        project=project,
        version=str(metadata.version),
        canonical_version=canonical_version,
        is_prerelease=metadata.version.is_prerelease,
        metadata_version=metadata.metadata_version,
        summary=metadata.summary,
        description=metadata.description,
        description_content_type=metadata.description_content_type,
        description_html=description_html,
        keywords=",".join(metadata.keywords) if metadata.keywords else None,
        home_page=metadata.home_page,
        download_url=metadata.download_url,
        author=metadata.author,
        author_email=metadata.author_email,
        maintainer=metadata.maintainer,
        maintainer_email=metadata.maintainer_email,
        license=metadata.license,
        license_expression=metadata.license_expression,
        requires_python=str(metadata.requires_python) if metadata.requires_python else None,
        license_files=strings(metadata.license_files),
        classifiers=strings(metadata.classifiers),
        platforms=strings(metadata.platforms),
        supported_platforms=strings(metadata.supported_platforms),
        requires_dist=strings(metadata.requires_dist),
        provides_dist=strings(metadata.provides_dist),
        obsoletes_dist=strings(metadata.obsoletes_dist),
        requires_external=strings(metadata.requires_external),
        provides_extra=strings(metadata.provides_extra),
        dynamic=strings(metadata.dynamic),
        project_urls=dict(metadata.project_urls) if metadata.project_urls else None,
    )


def _referenced_by(dbsession):
    """A check, in a fresh session, of whether committed rows use a key."""
    factory = dbsession.info.get("session_factory")

    def is_referenced(key):
        if factory is None:
            return False
        file_key = key[: -len(".metadata")] if key.endswith(".metadata") else key
        with factory() as fresh:
            return fresh.scalar(select(File.id).where(File.path == file_key)) is not None

    return is_referenced

"""Stored bytes, rows and journal entries for an upload; distutils' register.

Bytes first, rows after; an error after storing aborts the transaction and
:mod:`cheeseshop.storage.transaction` removes the bytes again."""

import dataclasses
import hashlib
import io

import packaging.utils
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cheeseshop.accounts.roles import RoleName, grant_role
from cheeseshop.catalog import journal
from cheeseshop.catalog.projects import ProjectStatus, find_project
from cheeseshop.models.catalog import File, Project, Release, RemovedFilename
from cheeseshop.publishing.errors import UploadRejected
from cheeseshop.publishing.filenames import parse_filename
from cheeseshop.publishing.inspection import render_readme
from cheeseshop.search.dialects import reindex
from cheeseshop.storage import keys
from cheeseshop.storage.transaction import stored_bytes


@dataclasses.dataclass
class Result:
    file: File
    created: bool  # False: the identical file was there already


def add_file(
    dbsession,
    storage,
    user,
    project,
    upload,
    checked,
    *,
    session_factory,
    transaction_manager,
    may_upload=lambda project: True,
):
    """Store a checked file and record it in ``dbsession``'s transaction
    (run by ``transaction_manager``); returns a Result. ``user`` None: an
    import without an owner (the project it creates has none).

    ``session_factory`` makes fresh sessions, to see what other transactions
    committed. ``may_upload(project)`` authorizes again when a concurrent
    upload created the project first (the caller authorized against "new")."""
    _refuse_removed_filename(dbsession, upload.filename.filename)
    if project is not None:
        existing = _existing_file(dbsession, project, upload, checked.received)
        if existing is not None:
            return Result(existing, created=False)
    cleanup = None
    if not storage.transactional:
        cleanup = stored_bytes(storage, _referenced_by(session_factory), transaction_manager)
    return _record(dbsession, storage, cleanup, user, project, upload, checked, may_upload)


def _refuse_removed_filename(dbsession, filename):
    """A removed file's name is never used again: installers and caches may
    still hold the removed bytes under it (see catalog.removal)."""
    if dbsession.get(RemovedFilename, filename) is not None:
        raise UploadRejected(
            f"This filename has already been used, use a different version: {filename!r} "
            "was removed, and a filename can be used only once."
        )


def _existing_file(dbsession, project, upload, received):
    if not ProjectStatus(project.status).accepts_uploads:
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
    same_kind = dbsession.scalars(
        select(File.filename)
        .join(Release)
        .where(
            Release.project_id == project.id,
            Release.canonical_version
            == packaging.utils.canonicalize_version(upload.metadata.version),
            File.packagetype == upload.filename.packagetype,
        )
    ).all()
    if upload.filename.packagetype == "sdist" and same_kind:
        raise UploadRejected(
            f"Only one sdist may be uploaded per release; this one has {same_kind[0]!r}."
        )
    for other in same_kind:
        # The same wheel under another spelling of its tag sets (their order).
        parsed = parse_filename(other)
        if (parsed.build, parsed.tags) == (upload.filename.build, upload.filename.tags):
            raise UploadRejected(
                f"File already exists: {other!r} is the same distribution "
                f"as {upload.filename.filename!r} (same version, build and tags)."
            )
    return None


def register(dbsession, user, project, upload, readme_seconds, may_upload=lambda project: True):
    """distutils' ``register``: the project and release, as the form
    describes them, without a file."""
    if project is not None and not ProjectStatus(project.status).accepts_uploads:
        raise UploadRejected(
            f"Project {project.name!r} is {project.status}: it accepts no new releases."
        )
    html = render_readme(upload.metadata, readme_seconds)
    return _release(dbsession, user, project, upload, upload.metadata, html, may_upload)


def _claim_project(dbsession, user, upload, metadata, may_upload):
    """Create the upload's project, owned by ``user`` — or, when a
    concurrent upload created it first, take that one if ``user`` may upload
    to it."""
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
                f"The user '{user.username}' isn't allowed to upload to project '{metadata.name}'.",
                status=403,
            ) from None
        return project
    journal.record(dbsession, project, "create", user=user)
    if user is not None:  # None: an import without an owner (an admin adds one later)
        grant_role(dbsession, user, project, RoleName.OWNER)
        journal.record(dbsession, project, f"add {RoleName.OWNER} {user.username}", user=user)
    return project


def _release(dbsession, user, project, upload, metadata, description_html, may_upload):
    """The upload's release, creating it (described by ``metadata``) and its
    project as needed."""
    if project is None:
        project = _claim_project(dbsession, user, upload, metadata, may_upload)

    canonical_version = packaging.utils.canonicalize_version(metadata.version)
    release = dbsession.scalar(
        select(Release).where(
            Release.project_id == project.id, Release.canonical_version == canonical_version
        )
    )
    if release is None:
        release = _new_release(project, metadata, canonical_version, description_html)
        dbsession.add(release)
        # A new release may be the latest. A file added to a release changes
        # nothing search shows: the metadata is the release's first upload's.
        reindex(dbsession, project)
        journal.record(dbsession, project, "new release", version=release.version, user=user)
    return release


def _record(dbsession, storage, cleanup, user, project, upload, checked, may_upload):
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
        if cleanup is not None:
            # Registered before writing: a write that fails half-way is
            # cleaned up by the abort like a complete one.
            cleanup.add(stored_key)
        storage.store(stored_key, stream, size)

    release = _release(
        dbsession, user, project, upload, checked.metadata, checked.description_html, may_upload
    )
    project = release.project
    file = File(
        release=release,
        filename=upload.filename.filename,
        path=key,
        packagetype=upload.filename.packagetype,
        python_version=upload.filename.python_version,
        # Each file's own: wheels of one release may differ (PEP 503's
        # data-requires-python is per file).
        requires_python=_text_or_none(checked.metadata.requires_python),
        size=received.size,
        md5_digest=received.md5,
        sha256_digest=received.sha256,
        blake2_256_digest=received.blake2_256,
        metadata_sha256=metadata_sha256,
        uploaded_by_id=user.id if user is not None else None,
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


def _text_or_none(value):
    return str(value) if value else None


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
        requires_python=_text_or_none(metadata.requires_python),
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


def _referenced_by(session_factory):
    """A check, in a fresh session, of whether committed rows use a key."""

    def is_referenced(key):
        with session_factory() as fresh:
            return (
                fresh.scalar(select(File.id).where(File.path == keys.file_key_of(key))) is not None
            )

    return is_referenced

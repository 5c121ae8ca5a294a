"""The legacy upload API at ``/legacy/``: authenticate, read the body within
its limits, authorize, hand over to :mod:`cheeseshop.publishing`."""

import trove_classifiers
from pyramid.response import Response
from pyramid.view import view_config

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Actor, Event
from cheeseshop.api.resources import LegacyUpload
from cheeseshop.api.responses import error
from cheeseshop.publishing import form as upload_form
from cheeseshop.publishing import form_body, inspection, recording
from cheeseshop.publishing.errors import UploadRejected
from cheeseshop.publishing.receiving import file_too_large_message
from cheeseshop.security.permissions import Permission


def _identity(request):
    """The authenticated uploader; 401 (challenge) or 403 otherwise."""
    identity = request.identity
    if identity is not None:
        return identity
    if "Authorization" in request.headers:
        raise error(403, "Invalid or non-existent authentication information.")
    # distutils' register sends credentials only after a challenge.
    raise error(
        401,
        "Authentication required: upload with your username and password.",
        headers={"WWW-Authenticate": 'Basic realm="pypi"'},
    )


def _may_upload(request, project):
    return bool(request.has_permission(Permission.UPLOAD, request.context.target(project)))


def _authorize(request, identity, upload):
    """The project, locked, if the caller may upload to it (None: a new one)."""
    return _permitted(request, identity, upload, request.context.project(upload.normalized_name))


def _authorize_before_reading(request, identity, upload):
    _permitted(request, identity, upload, request.context.project_as_read(upload.normalized_name))


def _permitted(request, identity, upload, context):
    if not request.has_permission(Permission.UPLOAD, context):
        refusal = None
        if identity.token is not None:
            refusal = identity.token.upload_refusal(context.project, upload.name)
        raise UploadRejected(
            refusal
            or f"The user '{identity.user.username}' isn't allowed to upload "
            f"to project '{upload.name}'.",
            status=403,
        )
    return context.project


@view_config(
    context=LegacyUpload, name="", request_method="GET", request_param=":action=list_classifiers"
)
def list_classifiers(request):
    return Response(
        "\n".join(sorted(trove_classifiers.classifiers)) + "\n", content_type="text/plain"
    )


@view_config(context=LegacyUpload, name="", request_method="POST", require_csrf=False)
def legacy_action(request):
    settings = request.registry.cheeseshop_settings
    if request.content_length and request.content_length > settings.upload_body_limit:
        # From the header alone: nothing of the body is read.
        raise error(413, file_too_large_message(settings.max_file_size))
    # Credentials come in the headers: an anonymous or unknown caller costs
    # no parsing at all.
    identity = _identity(request)
    try:
        body = form_body.read_body(
            request.body_file,
            request.headers.get("Content-Type", ""),
            request.content_length,
            form_body.FormLimits.from_settings(settings),
        )
        try:
            return _dispatch(request, identity, body, settings)
        finally:
            body.close()
    except UploadRejected as exc:
        raise error(exc.status, str(exc)) from exc


def _dispatch(request, identity, body, settings):
    action = body.get(":action")
    limits = upload_form.FieldLimits.from_settings(settings)
    if action == "file_upload":
        return _file_upload(request, identity, body, settings, limits)
    if action == "submit":
        upload = upload_form.read_upload(body.getall, limits=limits)
        project = _authorize(request, identity, upload)
        recording.register(
            request.dbsession,
            identity.user,
            project,
            upload,
            settings.upload_readme_seconds,
            lambda p: _may_upload(request, p),
        )
        return Response("OK", content_type="text/plain")
    if action == "verify":
        upload_form.read_upload(body.getall, limits=limits)
        return Response("OK", content_type="text/plain")
    raise UploadRejected(f"Unknown or missing ':action' {str(action)[:40]!r}: use file_upload.")


def _file_upload(request, identity, body, settings, limits):
    if body.get("protocol_version", "1") != "1":
        raise UploadRejected("Unknown protocol_version; use 1.")
    content = body.content
    if content is None:
        raise UploadRejected("Upload payload does not have a file ('content' field).")
    upload = upload_form.read_upload(body.getall, content.filename, limits=limits)
    # Refused before the archive is opened when the user may not upload here.
    _authorize_before_reading(request, identity, upload)
    digests = {
        "md5": body.get("md5_digest"),
        "sha256": body.get("sha256_digest"),
        "blake2_256": body.get("blake2_256_digest"),
    }
    # The bytes are checked before the project is looked up (and locked).
    checked = inspection.check_file(
        upload, content.file, digests, inspection.InspectionLimits.from_settings(settings)
    )
    try:
        project = _authorize(request, identity, upload)
        result = recording.add_file(
            request.dbsession,
            request.storage,
            identity.user,
            project,
            upload,
            checked,
            session_factory=request.registry["dbsession_factory"],
            transaction_manager=request.tm,
            may_upload=lambda p: _may_upload(request, p),
        )
    finally:
        checked.close()
    if result.created:
        audit.record(
            request.dbsession,
            Event.UPLOAD,
            Actor.of_request(request, identity.user),
            user=identity.user.username,
            project=result.file.release.project.name,
            detail=f"{upload.filename.filename} ({_credential(identity)})",
        )
    return Response(
        "OK" if result.created else "OK: the file was already here", content_type="text/plain"
    )


def _credential(identity):
    return f"token {identity.token.id}" if identity.token is not None else "password"

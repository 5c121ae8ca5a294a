"""The legacy upload API at ``/legacy/``: parse the form, authorize, hand over
to :mod:`cheeseshop.uploads`."""

import trove_classifiers
from pyramid.response import Response
from pyramid.view import view_config

from cheeseshop.api.resources import LegacyUpload
from cheeseshop.api.responses import error
from cheeseshop.publishing import form as upload_form
from cheeseshop.publishing import inspection, recording
from cheeseshop.publishing.errors import UploadRejected
from cheeseshop.publishing.receiving import file_too_large_message
from cheeseshop.security.permissions import Permission

# Room for the form's other fields around the file itself.
FORM_OVERHEAD = 16 * 1024 * 1024


def max_file_size(request):
    return request.registry.cheeseshop_settings.max_file_size


def _user(request):
    """The authenticated uploader; 401 (challenge) or 403 otherwise."""
    user = request.identity
    if user is not None:
        return user
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


def _authorize(request, user, upload):
    context = request.context.project(upload.normalized_name)
    if not request.has_permission(Permission.UPLOAD, context):
        raise error(
            403,
            f"The user '{user.username}' isn't allowed to upload to project '{upload.name}'.",
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
    limit = max_file_size(request)
    if request.content_length and request.content_length > limit + FORM_OVERHEAD:
        raise error(413, file_too_large_message(limit))
    try:
        form = request.POST
    except ValueError as exc:  # webob's multipart parser, on a malformed body
        raise error(400, f"Malformed upload form: {exc}") from exc
    action = form.get(":action")
    getall = form.getall
    try:
        if action == "file_upload":
            return _file_upload(request, _user(request), form, getall, limit)
        if action == "submit":
            user = _user(request)
            upload = upload_form.read_upload(getall)
            project = _authorize(request, user, upload)
            recording.register(
                request.dbsession, user, project, upload, lambda p: _may_upload(request, p)
            )
            return Response("OK", content_type="text/plain")
        if action == "verify":
            upload_form.read_upload(getall)
            return Response("OK", content_type="text/plain")
    except UploadRejected as exc:
        raise error(exc.status, str(exc)) from exc
    raise error(400, f"Unknown or missing ':action' {action!r}: use file_upload.")


def _file_upload(request, user, form, getall, limit):
    if form.get("protocol_version", "1") != "1":
        raise error(400, "Unknown protocol_version; use 1.")
    content = form.get("content")
    if content is None or not hasattr(content, "file"):
        raise error(400, "Upload payload does not have a file ('content' field).")
    upload = upload_form.read_upload(getall, content.filename)
    digests = {
        "md5": form.get("md5_digest"),
        "sha256": form.get("sha256_digest"),
        "blake2_256": form.get("blake2_256_digest"),
    }
    # The bytes are checked before the project is looked up (and locked).
    checked = inspection.check_file(upload, content.file, digests, limit)
    try:
        project = _authorize(request, user, upload)
        result = recording.add_file(
            request.dbsession,
            request.storage,
            user,
            project,
            upload,
            checked,
            session_factory=request.registry["dbsession_factory"],
            transaction_manager=request.tm,
            may_upload=lambda p: _may_upload(request, p),
        )
    finally:
        checked.close()
    return Response(
        "OK" if result.created else "OK: the file was already here", content_type="text/plain"
    )

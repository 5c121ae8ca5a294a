"""Bounds on what a page's form may send: the body of any unsafe request
but an upload is at most ``MAX_FORM_BYTES``, refused from its
``Content-Length`` before anything reads it (WebOb would parse a form of
any size into memory, and the CSRF check reads it before any view)."""

from pyramid.events import NewRequest, subscriber

from cheeseshop.api.responses import error

MAX_FORM_BYTES = 64 * 1024
# The upload API reads its body as a stream, within limits of its own.
UNBOUNDED = ("/legacy",)


@subscriber(NewRequest)
def bound_form_bodies(event):
    request = event.request
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.path_info.startswith(UNBOUNDED):
        return
    if (request.content_length or 0) > MAX_FORM_BYTES:
        raise error(413, f"A form may send at most {MAX_FORM_BYTES // 1024} KiB.")

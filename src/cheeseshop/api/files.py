"""Downloads: distribution files and their PEP 658 ``.metadata``."""

from pyramid.httpexceptions import HTTPFound, HTTPNotFound, HTTPNotModified
from pyramid.response import Response
from pyramid.view import view_config

from cheeseshop.api.replay import file_validity, replayable
from cheeseshop.api.resources import DistributionFile
from cheeseshop.api.responses import cache_scope
from cheeseshop.security.permissions import Permission
from cheeseshop.storage.errors import NotFound

BLOCK_SIZE = 256 * 1024
# Content-addressed: the bytes behind a URL never change.
FOREVER = "max-age=31536000, {scope}, immutable"


class StoredStream:
    """A storage stream as a WSGI app_iter that can also serve a byte range."""

    def __init__(self, stream, block_size=BLOCK_SIZE):
        self.stream = stream
        self.block_size = block_size

    def __iter__(self):
        read = self.stream.read
        while block := read(self.block_size):
            yield block

    def app_iter_range(self, start, stop):
        self.stream.seek(start)
        remaining = None if stop is None else stop - start

        def blocks():
            nonlocal remaining
            while remaining is None or remaining > 0:
                size = self.block_size if remaining is None else min(self.block_size, remaining)
                block = self.stream.read(size)
                if not block:
                    break
                if remaining is not None:
                    remaining -= len(block)
                yield block
            self.close()

        return blocks()

    def close(self):
        self.stream.close()


@view_config(
    context=DistributionFile, name="", permission=Permission.VIEW, request_method=("GET", "HEAD")
)
def download(request):
    context = request.context
    file = context.file
    sha256 = file.metadata_sha256 if context.metadata else file.sha256_digest
    replayable(request, file_validity(file.path, context.project_status, sha256))
    return stored_response(
        request,
        context.key,
        # .metadata rows do not record their size: storage knows it.
        None if context.metadata else file.size,
        sha256,
        context.metadata,
        file.filename,
    )


def stored_response(request, key, size, sha256, metadata, filename):
    """The stored object ``key`` as a download: a redirect where storage
    serves it directly, a hand-over to the front server where it serves the
    bytes (X-Accel-Redirect), else its bytes (ranges and conditional requests
    answered), cacheable forever."""
    storage = request.storage
    direct = storage.url(key, request)
    if direct:
        # Presigned URLs expire: nobody may keep the redirect for long.
        raise HTTPFound(location=direct, headers={"Cache-Control": "private, max-age=60"})
    handed_over = storage.accel_redirect(key)
    if handed_over:
        return _handed_over(request, handed_over, sha256, metadata)
    try:
        # The size first: a stream opened is a stream to close.
        if size is None:
            size = storage.size(key)
        # HEAD: no body, so no stream (WebOb drops a HEAD response's body
        # without closing it).
        body = [] if request.method == "HEAD" else StoredStream(storage.open(key))
    except NotFound:
        raise HTTPNotFound(f"{filename} is missing from storage") from None
    response = Response(
        app_iter=body,
        conditional_response=True,
    )
    describe_download(request, response, sha256, metadata)
    response.content_length = size
    response.accept_ranges = "bytes"
    return response


def describe_download(request, response, etag, metadata):
    """A download's headers: its type, ETag, and cacheable forever."""
    response.content_type = "text/plain" if metadata else "application/octet-stream"
    response.etag = etag
    response.cache_control = FOREVER.format(scope=cache_scope(request))


def _handed_over(request, uri, sha256, metadata):
    """An empty answer naming ``uri`` in ``X-Accel-Redirect``: nginx serves
    the file there itself (its length, ranges, HEAD), keeping this answer's
    Content-Type and Cache-Control; its configuration passes the ETag on."""
    # Answered here, not by WebOb's conditional responses: nginx follows an
    # X-Accel-Redirect whatever the status, so a 304 must not carry one, and
    # WebOb would answer a Range request from the empty body.
    if sha256 in request.if_none_match:
        raise HTTPNotModified(
            headers={
                "ETag": f'"{sha256}"',
                "Cache-Control": FOREVER.format(scope=cache_scope(request)),
            }
        )
    response = Response()
    describe_download(request, response, sha256, metadata)
    response.headers["X-Accel-Redirect"] = uri
    return response

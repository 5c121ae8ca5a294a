"""The upload request's body, read with bounds before anything trusts it.

A multipart body is parsed as it streams in: the number of parts, the size
of each text field and of all of them together, and the size of the file are
counted while the bytes arrive, and the first limit passed stops the read.
The file part goes to a temporary file on disk, never into memory; text
fields are kept in memory only up to their limits.
"""

import dataclasses
import itertools
import re
import tempfile
import urllib.parse

import multipart

from cheeseshop.publishing.errors import UploadRejected
from cheeseshop.publishing.receiving import file_too_large_message, format_size

READ_SIZE = 64 * 1024
FILE_FIELD = "content"


@dataclasses.dataclass(frozen=True)
class FormLimits:
    max_fields: int  # parts in the body
    max_field_size: int  # bytes of one text field
    max_form_size: int  # bytes of all text fields together
    max_file_size: int  # bytes of the file

    @classmethod
    def from_settings(cls, settings):
        return cls(
            max_fields=settings.upload_max_fields,
            max_field_size=settings.upload_max_field_size,
            max_form_size=settings.upload_max_form_size,
            max_file_size=settings.max_file_size,
        )


@dataclasses.dataclass
class FilePart:
    filename: str
    file: object  # a temporary file on disk, at position 0


@dataclasses.dataclass
class UploadBody:
    """The form's text fields (name -> values, in order) and its file."""

    fields: dict[str, list[str]]
    content: FilePart | None = None

    def getall(self, name) -> list[str]:
        return self.fields.get(name, [])

    def get(self, name, default=None):
        values = self.fields.get(name)
        return values[0] if values else default

    def close(self):
        if self.content is not None:
            self.content.file.close()


class _Reader:
    """Counts what a body costs while it is read, and stops at the first limit."""

    def __init__(self, limits):
        self.limits = limits
        self.fields = {}
        self.form_size = 0
        self.parts = 0

    def count_part(self):
        self.parts += 1
        if self.parts > self.limits.max_fields:
            raise UploadRejected(
                f"Too many form fields: the limit is {self.limits.max_fields}.", status=413
            )

    def add_field(self, name, data: bytes):
        name = _text(name, "A field name")
        self.form_size += len(data)
        if self.form_size > self.limits.max_form_size:
            raise UploadRejected(
                f"The form's fields are too large: the limit is "
                f"{format_size(self.limits.max_form_size)} in all.",
                status=413,
            )
        self.fields.setdefault(name, []).append(_text(data, f"The field {name!r}"))

    def field_too_large(self, name):
        raise UploadRejected(
            f"The field {name!r} is too large: the limit is "
            f"{format_size(self.limits.max_field_size)}.",
            status=413,
        )


def _text(value, what):
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadRejected(f"{what} is not valid UTF-8.") from None
    if "\x00" in value:
        raise UploadRejected(f"{what} contains a NUL character.")
    return value


def read_body(stream, content_type, content_length, limits: FormLimits) -> UploadBody:
    """Parse an upload body (multipart/form-data, or a urlencoded form
    without a file); UploadRejected (400 or 413) at the first bound passed."""
    media_type, params = multipart.parse_options_header(content_type or "")
    if media_type == "multipart/form-data":
        boundary = params.get("boundary")
        if not boundary:
            raise UploadRejected("Malformed upload form: the multipart boundary is missing.")
        return _read_multipart(stream, boundary, content_length, limits)
    if media_type == "application/x-www-form-urlencoded":
        return _read_urlencoded(stream, content_length, limits)
    raise UploadRejected(
        f"Unsupported Content-Type {media_type[:100]!r}: send multipart/form-data."
    )


def _chunks(stream, content_length):
    remaining = content_length if content_length is not None and content_length >= 0 else None
    while remaining is None or remaining > 0:
        chunk = stream.read(READ_SIZE if remaining is None else min(READ_SIZE, remaining))
        if not chunk:
            break
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


def _read_urlencoded(stream, content_length, limits):
    data = bytearray()
    for chunk in _chunks(stream, content_length):
        data += chunk
        if len(data) > limits.max_form_size:
            raise UploadRejected(
                f"The form is too large: the limit is {format_size(limits.max_form_size)}.",
                status=413,
            )
    reader = _Reader(limits)
    if data.count(b"&") + 1 > limits.max_fields:
        raise UploadRejected(f"Too many form fields: the limit is {limits.max_fields}.", status=413)
    try:
        pairs = urllib.parse.parse_qsl(
            bytes(data).decode("ascii"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=limits.max_fields,
            encoding="utf-8",
            errors="strict",
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise UploadRejected(f"Malformed upload form: {exc}") from None
    for name, value in pairs:
        reader.count_part()
        reader.add_field(name, value.encode())
    return UploadBody(reader.fields)


def _read_multipart(stream, boundary, content_length, limits):
    chunks = _chunks(stream, content_length)
    first = next(chunks, b"")
    if first.startswith(b"\n--" + boundary.encode("latin-1")):
        # distutils' register writes its form with bare LF line ends (upload
        # uses CRLF): small, without a file, so it is read whole (within the
        # form's limit) and given the CRLFs the parser expects.
        return _read_lf_multipart(first, chunks, boundary, limits)
    return _parse_multipart(itertools.chain([first], chunks), boundary, content_length, limits)


def _read_lf_multipart(first, chunks, boundary, limits):
    data = bytearray(first)
    for chunk in chunks:
        data += chunk
        if len(data) > limits.max_form_size:
            raise UploadRejected(
                f"The form is too large: the limit is {format_size(limits.max_form_size)}.",
                status=413,
            )
    crlf = re.sub(rb"(?<!\r)\n", b"\r\n", bytes(data))
    body = _parse_multipart(iter([crlf[2:]]), boundary, len(crlf) - 2, limits)
    for values in body.fields.values():
        values[:] = [value.replace("\r\n", "\n") for value in values]
    return body


def _parse_multipart(chunks, boundary, content_length, limits):
    reader = _Reader(limits)
    body = UploadBody(reader.fields)
    parser = multipart.PushMultipartParser(
        boundary,
        content_length=-1 if content_length is None else content_length,
        # One more than ours, so that our message (naming the limit) comes first.
        max_segment_count=limits.max_fields + 1,
    )
    part = None  # (segment, sink) of the part being read
    try:
        with parser:
            for chunk in chunks:
                for event in parser.parse(chunk):
                    if isinstance(event, multipart.MultipartSegment):
                        reader.count_part()
                        part = _start_part(event, body)
                    elif event:
                        _add_data(part, event, reader, limits)
                    else:
                        _finish_part(part, reader, body)
                        part = None
    except multipart.ParserLimitReached as exc:
        body.close()
        raise UploadRejected(f"Malformed upload form: {exc}", status=413) from None
    except multipart.MultipartError as exc:
        body.close()
        raise UploadRejected(f"Malformed upload form: {exc}") from None
    except BaseException:
        body.close()
        raise
    if body.content is not None:
        body.content.file.seek(0)
    return body


def _start_part(segment, body):
    if segment.filename is None:
        return segment, bytearray()
    if segment.name != FILE_FIELD or body.content is not None:
        # Another file (twine's gpg_signature, say): read, counted, not kept.
        return segment, None
    filename = _text(segment.filename, "The filename")
    body.content = FilePart(filename, tempfile.TemporaryFile())
    return segment, body.content.file


def _add_data(part, data, reader, limits):
    segment, sink = part
    if isinstance(sink, bytearray):
        if len(sink) + len(data) > limits.max_field_size:
            reader.field_too_large(segment.name)
        sink += data
    elif sink is not None:
        if segment.size > limits.max_file_size:
            raise UploadRejected(file_too_large_message(limits.max_file_size), status=413)
        sink.write(data)
    else:
        reader.form_size += len(data)
        if reader.form_size > limits.max_form_size:
            raise UploadRejected(
                f"The form is too large: the limit is {format_size(limits.max_form_size)}.",
                status=413,
            )


def _finish_part(part, reader, body):
    segment, sink = part
    if isinstance(sink, bytearray):
        reader.add_field(segment.name, bytes(sink))

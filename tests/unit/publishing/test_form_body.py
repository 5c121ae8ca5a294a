"""The upload body is read within its limits: the first bound passed stops
the read, whatever the body holds after it."""

import io
import time

import pytest

from cheeseshop.publishing.errors import UploadRejected
from cheeseshop.publishing.form_body import FormLimits, read_body

BOUNDARY = "----cheeseshop-test"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
LIMITS = FormLimits(max_fields=50, max_field_size=1024, max_form_size=4096, max_file_size=10_000)


def part(name, value, filename=None):
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
    return head + (value if isinstance(value, bytes) else value.encode()) + b"\r\n"


def body(*parts):
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


class Endless(io.RawIOBase):
    """A body that never ends, counting what the parser asked for."""

    def __init__(self, head, filler=b"x"):
        self.head, self.filler, self.taken = head, filler, 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.head[:n] if self.head else self.filler * n
        self.head = self.head[len(data) :]
        self.taken += len(data)
        return data


def test_fields_and_the_file():
    data = body(
        part(":action", "file_upload"),
        part("classifiers", "A"),
        part("classifiers", "B"),
        part("content", b"wheel bytes", filename="demo-1.0-py3-none-any.whl"),
        part("gpg_signature", b"ignored", filename="demo.asc"),
    )
    form = read_body(io.BytesIO(data), CONTENT_TYPE, len(data), LIMITS)
    assert form.get(":action") == "file_upload"
    assert form.getall("classifiers") == ["A", "B"]
    assert form.getall("missing") == []
    assert form.content.filename == "demo-1.0-py3-none-any.whl"
    assert form.content.file.read() == b"wheel bytes"
    assert "gpg_signature" not in form.fields
    form.close()


def test_urlencoded_form():
    data = b":action=submit&name=demo&version=1.0&classifiers=A&classifiers=B"
    form = read_body(io.BytesIO(data), "application/x-www-form-urlencoded", len(data), LIMITS)
    assert form.get("name") == "demo"
    assert form.getall("classifiers") == ["A", "B"]
    assert form.content is None


@pytest.mark.parametrize(
    "stream, status, message",
    [
        (Endless(part("a", "1") * 60), 413, "Too many form fields: the limit is 50."),
        (
            Endless(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'.encode()
            ),
            413,
            "The field 'description' is too large: the limit is 1 KiB.",
        ),
        (
            Endless(part("a", "x" * 1000) * 5 + part("b", "")[:-2]),
            413,
            "The form's fields are too large: the limit is 4 KiB in all.",
        ),
        (
            Endless(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="content"; filename="x.whl"\r\n\r\n'.encode()
            ),
            413,
            "File too large. Limit is 9.76562 KiB (10000 bytes).",
        ),
        (
            Endless(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="sig"; filename="x.asc"\r\n\r\n'.encode()
            ),
            413,
            "The form is too large: the limit is 4 KiB.",
        ),
    ],
    ids=["many fields", "huge field", "huge form", "huge file", "huge other file"],
)
def test_a_body_that_never_ends_is_stopped_at_the_first_limit(stream, status, message):
    started = time.monotonic()
    with pytest.raises(UploadRejected) as raised:
        read_body(stream, CONTENT_TYPE, None, LIMITS)
    assert (raised.value.status, str(raised.value)) == (status, message)
    # Read no further than the limit and a buffer beyond it.
    assert stream.taken < 100_000
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "data, content_type, message",
    [
        (body(part("name", b"\xff\xfe")), CONTENT_TYPE, "The field 'name' is not valid UTF-8."),
        (
            body(part("name", "demo\x00")),
            CONTENT_TYPE,
            "The field 'name' contains a NUL character.",
        ),
        (
            body(part("content", b"x", filename="demo\x00.whl")),
            CONTENT_TYPE,
            "The filename contains a NUL character.",
        ),
        (b"--nope\r\n", CONTENT_TYPE, "Malformed upload form"),
        (b"x", "multipart/form-data", "Malformed upload form: the multipart boundary is missing."),
        (
            b"x",
            "application/json",
            "Unsupported Content-Type 'application/json': send multipart/form-data.",
        ),
        (b"name=%ff", "application/x-www-form-urlencoded", "Malformed upload form"),
    ],
    ids=[
        "not utf-8",
        "nul in field",
        "nul in filename",
        "malformed",
        "no boundary",
        "json",
        "bad urlencoding",
    ],
)
def test_malformed_bodies_are_400(data, content_type, message):
    with pytest.raises(UploadRejected) as raised:
        read_body(io.BytesIO(data), content_type, len(data), LIMITS)
    assert raised.value.status == 400
    assert str(raised.value).startswith(message)


def test_distutils_register_form_with_bare_line_feeds():
    # As Python 3.11's distutils register writes it (its upload uses CRLF).
    data = (
        f'\n--{BOUNDARY}\nContent-Disposition: form-data; name=":action"\n\nsubmit'
        f'\n--{BOUNDARY}\nContent-Disposition: form-data; name="description"\n\nline one\nline two'
        f"\n--{BOUNDARY}--\n"
    ).encode()
    form = read_body(io.BytesIO(data), CONTENT_TYPE, len(data), LIMITS)
    assert form.get(":action") == "submit"
    assert form.get("description") == "line one\nline two"
    endless = Endless(f'\n--{BOUNDARY}\nContent-Disposition: form-data; name="a"\n\n'.encode())
    with pytest.raises(UploadRejected) as raised:
        read_body(endless, CONTENT_TYPE, None, LIMITS)
    assert (raised.value.status, str(raised.value)) == (
        413,
        "The form is too large: the limit is 4 KiB.",
    )

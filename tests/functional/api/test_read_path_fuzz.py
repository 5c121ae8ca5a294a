"""Fuzzing the read path: any path and query under the machine protocols,
as bytes a client may percent-encode, is answered below 500, with a status
line and headers a client can read. Bounded for CI by the example count."""

from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.factories import basic_auth, upload_form

FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PREFIXES = [
    "/",
    "//",
    "/simple/",
    "/simple//",
    "/simple/demo/",
    "/simple/Demo/",
    "/pypi/",
    "/pypi/demo/",
    "/pypi/Demo/",
    "/pypi/demo/1.0/",
    "/packages/",
    "/packages/ab/cd/",
]
SUFFIXES = ["", "/", "/json", "//", "/.", "/.."]
# Bytes that matter to URLs, headers, UTF-8 and PostgreSQL, and any others.
special = st.sampled_from(
    [
        b"\x00",
        b"\r",
        b"\n",
        b"\r\n",
        b"%",
        b"/",
        b".",
        b"..",
        b"\xff",
        b"\xc3",
        b"\xc3\xa9",
        b"\xe2\x82\xac",
        b"@@",
        b" ",
        b"+",
        b"?",
        b"#",
        b";",
    ]
)
segment = st.lists(st.one_of(special, st.binary(max_size=8)), max_size=6).map(b"".join)


@pytest.fixture
def demo(testapp, alice):
    content = factories.wheel("demo", "1.0")
    params, files = upload_form("demo", "1.0", factories.wheel_filename("demo", "1.0"), content)
    testapp.post("/legacy/", params, upload_files=files, headers=basic_auth(alice))


@FUZZ
@given(
    prefix=st.sampled_from(PREFIXES),
    segments=st.lists(segment, max_size=3),
    suffix=st.sampled_from(SUFFIXES),
    query=st.one_of(
        st.just(b""),
        segment.map(lambda v: b"format=" + v),
        st.tuples(segment, segment).map(lambda kv: kv[0] + b"=" + kv[1]),
    ),
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_the_read_path_never_answers_500(testapp, demo, prefix, segments, suffix, query, method):
    path = prefix + "/".join(quote_from_bytes(s, safe="") for s in segments) + suffix
    if query:
        path += "?" + quote_from_bytes(query, safe="=&")
    # webtest's lint refuses a status line or header a server could not send.
    response = testapp.request(path, method=method, status="*", expect_errors=True)
    assert response.status_int < 500, (path, response.status)
    status = response.status
    assert len(status) <= 300 and status.isprintable(), status
    seen = {path}
    while response.status_int in (301, 302):
        location = response.headers["Location"]
        assert location.isascii() and location.isprintable(), location
        # A redirect leads somewhere new, and soon somewhere that is not one.
        target = location.removeprefix("http://localhost")
        assert target not in seen and len(seen) < 3, (path, seen, target)
        seen.add(target)
        response = testapp.request(target, method=method, status="*", expect_errors=True)
        assert response.status_int < 500, (target, response.status)

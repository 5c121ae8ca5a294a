"""The simple pages and JSON API documents in the content encodings
clients ask for (``Accept-Encoding``): brotli, gzip, or as they are."""

import gzip

import brotli
import pytest
import webob

from tests.factories import upload

V1_JSON = "application/vnd.pypi.simple.v1+json"
ASKING = {"br": "gzip, deflate, br", "gzip": "gzip, deflate", None: "deflate"}
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda body: body}


def raw(testapp, path, method="GET", **headers):
    """The response as sent: webtest's own come decoded."""
    return webob.Request.blank(path, method=method, headers=headers).get_response(testapp.app)


def read(testapp, path, encoding, **headers):
    """``path`` asked for in ``encoding``, checked to be sent so: (the
    response, its body decoded). ``response.streamed``: sent without a
    Content-Length, as it was made."""
    response = raw(testapp, path, **{"Accept-Encoding": ASKING[encoding], **headers})
    # Before the body is read (reading it here sets a length).
    response.streamed = "Content-Length" not in response.headers
    assert response.status_int == 200
    assert response.content_encoding == encoding
    assert response.headers["Vary"] == "Accept, Accept-Encoding"
    etag = response.headers["ETag"]
    assert (f"-{encoding}-" in etag) == (encoding is not None)
    return response, DECODE[encoding](response.body)


def tags_and_revalidation(testapp, path, responses, **headers):
    """Each encoding's ETag is its own, and answers 304 to that encoding
    only."""
    etags = {encoding: r.headers["ETag"] for encoding, r in responses.items()}
    assert len(set(etags.values())) == len(etags)
    for encoding, etag in etags.items():
        for asked in etags:
            response = raw(
                testapp,
                path,
                **{"Accept-Encoding": ASKING[asked], "If-None-Match": etag, **headers},
            )
            assert response.status_int == (304 if asked == encoding else 200), (encoding, asked)
            if asked == encoding:
                assert response.headers["ETag"] == etag and response.body == b""


@pytest.mark.parametrize("first", ["br", "gzip", None])
def test_the_root_list_in_each_encoding_streamed_then_cached(testapp, alice, first):
    upload(testapp, alice, "demo", "1.0")
    upload(testapp, alice, "other", "0.1")
    # The first read after a change streams the list, compressed as it goes.
    streamed, plain = read(testapp, "/simple/", first, Accept=V1_JSON)
    assert streamed.streamed
    assert [p["name"] for p in webob.Response(body=plain).json["projects"]] == ["demo", "other"]
    # Later reads come from the cache, in each encoding, the same list.
    cached = {}
    for encoding in ("br", "gzip", None):
        cached[encoding], body = read(testapp, "/simple/", encoding, Accept=V1_JSON)
        assert body == plain
        assert not cached[encoding].streamed
    # The bytes streamed are those kept: one ETag, one representation.
    assert cached[first].body == streamed.body
    assert cached[first].headers["ETag"] == streamed.headers["ETag"]
    assert len(cached["br"].body) < len(plain) and len(cached["gzip"].body) < len(plain)
    tags_and_revalidation(testapp, "/simple/", cached, Accept=V1_JSON)
    # HTML is another page, in each encoding too.
    html, html_plain = read(testapp, "/simple/", "br")
    assert b'<a href="other/">other</a>' in html_plain
    assert html.headers["ETag"] not in {r.headers["ETag"] for r in cached.values()}


def test_the_root_list_changes_at_once_in_every_encoding(testapp, alice):
    upload(testapp, alice, "demo", "1.0")
    for encoding in ("br", "gzip", None):
        read(testapp, "/simple/", encoding)  # kept in every form
    before = {e: read(testapp, "/simple/", e)[0].headers["ETag"] for e in ("br", "gzip")}
    upload(testapp, alice, "newer", "0.1")
    for encoding in ("br", "gzip", None):
        response, body = read(testapp, "/simple/", encoding)
        assert b'<a href="newer/">newer</a>' in body, encoding
        if encoding:
            assert response.headers["ETag"] != before[encoding]


def test_head_has_the_headers_of_get(testapp, alice):
    upload(testapp, alice, "demo", "1.0")
    for path in ("/simple/", "/simple/", "/simple/demo/", "/pypi/demo/json"):
        for encoding in ("br", "gzip", None):
            head = raw(testapp, path, method="HEAD", **{"Accept-Encoding": ASKING[encoding]})
            get = raw(testapp, path, **{"Accept-Encoding": ASKING[encoding]})
            assert head.body == b""
            for name in ("Content-Encoding", "ETag", "Vary", "Content-Type", "Content-Length"):
                assert head.headers.get(name) == get.headers.get(name), (path, encoding, name)


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/simple/demo/", {}),
        ("/simple/demo/", {"Accept": V1_JSON}),
        ("/pypi/demo/json", {}),
        ("/pypi/demo/1.0/json", {}),
    ],
)
def test_project_pages_in_each_encoding(testapp, alice, path, headers):
    upload(testapp, alice, "demo", "1.0")
    responses, bodies = {}, {}
    for encoding in ("br", "gzip", None):
        responses[encoding], bodies[encoding] = read(testapp, path, encoding, **headers)
        # Again, from the cache: the same bytes.
        assert read(testapp, path, encoding, **headers)[0].body == responses[encoding].body
    assert bodies["br"] == bodies["gzip"] == bodies[None] == testapp.get(path, headers=headers).body
    assert b"demo-1.0-py3-none-any.whl" in bodies[None]
    tags_and_revalidation(testapp, path, responses, **headers)
    # A new upload changes the page in every encoding at once.
    upload(testapp, alice, "demo", "1.0", kind="sdist")
    for encoding in ("br", "gzip", None):
        response, body = read(testapp, path, encoding, **headers)
        assert b"demo-1.0.tar.gz" in body
        assert response.headers["ETag"] != responses[encoding].headers["ETag"]


REFUSALS_AND_PREFERENCES = [
    ("br;q=0, gzip", "gzip"),
    ("gzip;q=0, br", "br"),
    ("br;q=0, gzip;q=0", None),
    ("*;q=0", None),
    ("*, br;q=0", "gzip"),
    ("gzip, identity;q=0", "gzip"),
    # Refusing even identity leaves nothing else: the page as it is.
    ("identity;q=0", None),
    ("identity, gzip;q=0.5", None),
    ("not a header;;", None),
]


def test_refusals_and_preferences_are_honoured(testapp, alice):
    upload(testapp, alice, "demo", "1.0")
    plain = testapp.get("/simple/demo/").body
    for accept_encoding, sent in REFUSALS_AND_PREFERENCES:
        for path in ("/simple/", "/simple/demo/"):
            response = raw(testapp, path, **{"Accept-Encoding": accept_encoding})
            assert response.status_int == 200
            assert response.content_encoding == sent, (path, accept_encoding)
            if path == "/simple/demo/":
                assert DECODE[sent](response.body) == plain

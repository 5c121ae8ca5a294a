"""Hostile and odd URLs on the read path: every answer in its class.

A client's mistake is a 4xx with a message, a redirect goes to the right URL
spelled in ASCII, and nothing a client sends is echoed raw into the status
line or a header. Checked twice: through webtest (which lints the headers a
WSGI app hands over) and through a real waitress on a loopback port, with
raw requests, so the tests see the bytes a client sees.
"""

import base64
import socket
import threading

import pytest
import waitress

from tests import factories
from tests.factories import basic_auth, upload_form

METHODS = ["GET", "HEAD"]


def short(value):
    """A test id that does not repeat 100 KB of a parameter."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:30]}...({len(value)} chars)"
    return None


def request(testapp, method, path, **kw):
    return testapp.request(path, method=method, status="*", expect_errors=True, **kw)


@pytest.fixture
def demo(testapp, alice):
    """One project, ``demo`` 1.0, with a wheel; its file's download path."""
    content = factories.wheel("demo", "1.0")
    params, files = upload_form("demo", "1.0", factories.wheel_filename("demo", "1.0"), content)
    testapp.post("/legacy/", params, upload_files=files, headers=basic_auth(alice))
    page = testapp.get("/simple/demo/?format=application/vnd.pypi.simple.v1%2Bjson").json
    url = page["files"][0]["url"]
    return url[url.index("/packages/") :]


def assert_sane_status_line(status, limit=300):
    """One short line of printable characters, as http.client and requests
    read a status line."""
    assert len(status) <= limit, f"status line of {len(status)} characters"
    assert all(" " <= c <= "~" or "\xa0" <= c <= "\xff" for c in status), repr(status)


# -- percent-encodings that are not UTF-8 -------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path",
    [
        "/simple/%ff/",
        "/pypi/%C3%28/json",
        "/pypi/demo/%ff/json",
        "/pypi/Demo/%ff/json",
        "/packages/%ff/",
        "/packages/ab/cd/%C3/x.whl",
        "/%ff",
        "/simple/demo/?format=%ff",
        "/simple/?format=%C3%28",
    ],
    ids=short,
)
def test_a_url_that_is_not_utf8_is_400(testapp, demo, method, path):
    response = request(testapp, method, path)
    assert response.status_int == 400
    assert "not valid UTF-8" in response.status
    assert_sane_status_line(response.status)
    if method == "GET":
        assert "not valid UTF-8" in response.text


# -- project names that cannot be a project's ---------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path",
    [
        "/simple/Caf%C3%A9/",
        "/simple/caf%E2%82%AC/",
        "/pypi/Caf%C3%A9/json",
        "/simple/De%0d%0amo/",
        "/simple/%0d%0a/",
        "/simple/De%00mo/",
        "/simple/demo%00/",
        "/pypi/demo%00/json",
        "/pypi/De%00mo/json",
        "/simple/" + "a" * 100_000 + "/",
        "/simple/-demo/",
        "/simple/demo%20/",
    ],
    ids=short,
)
def test_a_name_that_cannot_be_a_project_is_404(testapp, demo, method, path):
    response = request(testapp, method, path)
    assert response.status_int == 404
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "path, location",
    [
        ("/pypi/Demo/1.0%E2%82%AC/json", "/pypi/demo/1.0%E2%82%AC/json"),
        ("/pypi/Demo/%0d%0aSet-Cookie:%20x=1/json", "/pypi/demo/%0D%0ASet-Cookie:%20x=1/json"),
        ("/pypi/Demo/%00/json", "/pypi/demo/%00/json"),
        ("/simple/Demo/?format=%C3%A9%0d", "/simple/demo/?format=%C3%A9%0d"),
    ],
)
def test_a_redirect_to_the_normal_form_is_percent_encoded(testapp, demo, path, location):
    response = request(testapp, "GET", path)
    assert response.status_int == 301
    assert response.headers["Location"] == "http://localhost" + location
    assert "Set-Cookie" not in response.headers


# -- ?format= ------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "value",
    [
        "%01",
        "%00",
        "%C3%A9",
        "%E2%82%AC",
        "a%0d%0ab",
        "a%0d%0aSet-Cookie:%20x=1",
        "x" * 100_000,
        "%7f%c2%85",
    ],
    ids=["soh", "nul", "latin1", "euro", "crlf", "header", "100KB", "del-nel"],
)
@pytest.mark.parametrize("page", ["/simple/", "/simple/demo/"])
def test_junk_in_format_is_406_with_a_short_status_line(testapp, demo, method, value, page):
    response = request(testapp, method, f"{page}?format={value}")
    assert response.status_int == 406
    assert_sane_status_line(response.status)
    assert "Unsupported format" in response.status
    assert "Set-Cookie" not in response.headers
    if method == "GET":
        assert "Unsupported format" in response.text
        assert "application/vnd.pypi.simple.v1+json" in response.text
        assert len(response.body) < 1000


@pytest.mark.parametrize(
    "path_info, query, expected, location",
    [
        # Bytes as received, not %-escaped (waitress refuses them with its own
        # 400 "Bad URI"; a server or proxy in front may pass them on).
        ("/simple/\xff/", "", 400, None),
        ("/simple/demo/", "format=\xff", 400, None),
        ("/simple/Caf\xc3\xa9/", "", 404, None),
        (
            "/pypi/Demo/\xe2\x82\xac/json",
            "x=\xe2\x82\xac\x01",
            301,
            "/pypi/demo/%E2%82%AC/json?x=%E2%82%AC%01",
        ),
        ("/simple/demo", "x=\xc3\xa9", 301, "/simple/demo/?x=%C3%A9"),
    ],
)
def test_raw_bytes_in_the_url(testapp, demo, path_info, query, expected, location):
    from webtest import TestRequest

    req = TestRequest.blank("/")
    req.environ["PATH_INFO"] = path_info
    req.environ["QUERY_STRING"] = query
    response = testapp.do_request(req, status="*", expect_errors=True)
    assert response.status_int == expected
    if location:
        assert response.headers["Location"] == "http://localhost" + location


def test_a_long_message_keeps_its_whole_text_in_the_body():
    from cheeseshop.api.responses import REASON_MAX, error

    message = "Invalid\r\nvalue:\x00 " + "é€" * 500 + " end."
    exc = error(400, message)
    assert_sane_status_line(exc.status, limit=len("400 ") + REASON_MAX)
    assert exc.status.endswith("...")
    assert exc.status.startswith("400 Invalid value:? é?é?")
    assert exc.text == message + "\n"


# -- // and dot segments -------------------------------------------------------


@pytest.mark.parametrize(
    "path, location",
    [
        ("/simple//demo/", "/simple/demo/"),
        ("/simple/Demo//", "/simple/demo/"),
        ("/simple//Demo/", "/simple/demo/"),
        ("//simple/Demo/", "/simple/demo/"),
        ("/simple//", "/simple/"),
        ("/pypi//Demo/json", "/pypi/demo/json"),
        ("/pypi/Demo//json", "/pypi/demo/json"),
        ("/pypi//demo//1.0//json", "/pypi/demo/1.0/json"),
        ("/simple/./Demo/", "/simple/demo/"),
        ("/simple/x/../Demo/", "/simple/demo/"),
        ("/simple/demo/?format=text/html&x=//", None),
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_empty_segments_redirect_to_the_right_url(testapp, demo, path, location, method):
    response = request(testapp, method, path)
    if location is None:
        assert response.status_int == 200
        return
    assert response.status_int == 301
    assert response.headers["Location"] == "http://localhost" + location
    followed = request(testapp, method, location)
    assert followed.status_int == 200


def test_empty_segments_in_a_file_url_redirect_to_the_file(testapp, demo):
    doubled = demo.replace("/packages/", "/packages//").replace(".whl", "") + ".whl"
    doubled = doubled.replace("/", "//", 3).replace("///", "//")
    response = request(testapp, "GET", doubled)
    assert response.status_int == 301
    assert response.headers["Location"] == "http://localhost" + demo
    assert testapp.get(demo).body.startswith(b"PK")


def test_an_upload_to_a_doubled_slash_is_not_redirected(testapp, alice):
    # A redirected POST loses its body: uploads are served where they land.
    content = factories.wheel("demo", "1.0")
    params, files = upload_form("demo", "1.0", factories.wheel_filename("demo", "1.0"), content)
    testapp.post("/legacy//", params, upload_files=files, headers=basic_auth(alice), status=200)


# -- other odd inputs on the read path -----------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "path",
    [
        "/pypi/demo/1%000/json",
        "/pypi/demo/%00/json",
        "/pypi/demo/" + "1" * 10_000 + "/json",
        "/pypi/demo/1." + "0." * 5_000 + "0/json",
        "/pypi/demo/%E2%82%AC/json",
        "/pypi/demo/1.0%0d%0a/json",
        "/pypi/demo/json/json",
        "/pypi/demo/1.0/json/x",
        "/packages/ab/cd/ef/%00",
        "/packages/%00/cd/ef/x.whl",
        "/packages/ab/cd/" + "e" * 5_000 + "/x.whl",
        "/packages/ab/cd/ef/" + "x" * 100_000 + ".whl",
        "/packages/%C3%A9/cd/ef/x.whl",
        "/packages/ab/cd/ef/x.whl.metadata",
        "/packages/../../etc/passwd",
        "/packages/ab/cd/ef/gh/ij",
        "/simple/demo/x",
        "/nothing-here/",
        "/@@nothing",
        "/simple/@@nothing",
    ],
    ids=short,
)
def test_odd_read_paths_are_404(testapp, demo, method, path):
    response = request(testapp, method, path)
    assert response.status_int == 404, response.status


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "\x01;q=x, */*;q=junk"},
        {"Accept": "application/vnd.pypi.simple.v1+json;q=2"},
        {"Accept": "é"},
        {"If-None-Match": '"unterminated, W/, *junk'},
        {"If-None-Match": "\x00"},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Bearer x"},
        {"Authorization": "Basic"},
    ],
)
@pytest.mark.parametrize(
    "path", ["/simple/", "/simple/demo/", "/pypi/demo/json", "/pypi/demo/1.0/json"]
)
def test_odd_headers_on_the_read_path_are_not_500(testapp, demo, headers, path):
    response = request(testapp, "GET", path, headers=headers)
    assert response.status_int < 500, response.status
    assert_sane_status_line(response.status)


@pytest.mark.parametrize(
    "headers",
    [
        {"Range": "bytes=junk"},
        {"Range": "bytes=999999999-"},
        {"Range": "bytes=5-1"},
        {"Range": "bytes=0-1,3-4"},
        {"Range": "bytes=-0"},
        {"If-Range": "junk", "Range": "bytes=0-1"},
        {"If-None-Match": "\x01"},
        {"If-Modified-Since": "not a date"},
        {"Authorization": "Basic !!!"},
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_odd_headers_on_a_download_are_not_500(testapp, demo, headers, method):
    for path in (demo, demo + ".metadata"):
        response = request(testapp, method, path, headers=headers)
        assert response.status_int < 500, (path, response.status)


# -- what a client sees: a real waitress ---------------------------------------


@pytest.fixture
def live(app, demo):
    """The app (with ``demo`` uploaded) on a real waitress; (host, port)."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield ("127.0.0.1", server.effective_port)
    finally:
        # Closed from the server's own loop: closing its sockets from this
        # thread races the loop's select() (EBADF in the server thread).
        server.trigger.pull_trigger(server.close)
        thread.join(10)
        assert not thread.is_alive()
        server.task_dispatcher.shutdown()


def raw_get(address, target: bytes, method=b"GET"):
    """Send one request with ``target`` as given; (status line, headers,
    body), all bytes, as they came over the wire."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(
            method + b" " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def status_code(status):
    assert status.startswith(b"HTTP/1.1 "), status[:200]
    return int(status.split()[1])


@pytest.mark.parametrize(
    "target, expected",
    [
        (b"/simple/%ff/", 400),
        (b"/pypi/%C3%28/json", 400),
        (b"/simple/demo/?format=%ff", 400),
        (b"/simple/Caf%C3%A9/", 404),
        (b"/simple/caf%E2%82%AC/", 404),
        (b"/simple/De%0d%0aX-Injected:%201/", 404),
        (b"/simple/De%00mo/", 404),
        (b"/simple//demo/", (301, b"/simple/demo/")),
        (b"/simple//Demo/", (301, b"/simple/demo/")),
        (b"/simple/Demo//", (301, b"/simple/demo/")),
        (b"/pypi/Demo/%E2%82%AC/json", (301, b"/pypi/demo/%E2%82%AC/json")),
        (b"/pypi/Demo/%0d%0aX-Injected:%201/json", (301, b"/pypi/demo/%0D%0AX-Injected:%201/json")),
        (
            b"/pypi/Demo/json?x=%ff%0d%0aX-Injected:%201",
            (301, b"/pypi/demo/json?x=%ff%0d%0aX-Injected:%201"),
        ),
        (b"/simple/demo/?format=%0d%0aX-Injected:%201", 406),
        (b"/simple/demo/?format=%e2%82%ac", 406),
        (b"/simple/demo/?format=" + b"x" * 100_000, 406),
    ],
    ids=short,
)
@pytest.mark.parametrize("method", [b"GET", b"HEAD"])
def test_what_a_client_sees(live, target, expected, method):
    status, headers, body = raw_get(live, target, method)
    expected, where = expected if isinstance(expected, tuple) else (expected, None)
    assert status_code(status) == expected, status[:300] + body[:300]
    assert len(status) <= 300
    assert all(32 <= b < 127 or b >= 0xA0 for b in status), status
    assert b"x-injected" not in headers
    location = headers.get(b"location")
    if expected == 301:
        assert location == b"http://localhost" + where
        assert all(33 <= b < 127 for b in location), location
    else:
        assert location is None
    for value in headers.values():
        assert b"\r" not in value and b"\n" not in value


@pytest.mark.parametrize("root", ["/\xff", "/simple/\xc3\x28"])
def test_an_undecodable_virtual_root_is_400(testapp, demo, root):
    # Pyramid reads X-Vhm-Root (a proxy's virtual root) from any client.
    response = request(testapp, "GET", "/simple/demo/", headers={"X-Vhm-Root": root})
    assert response.status_int == 400

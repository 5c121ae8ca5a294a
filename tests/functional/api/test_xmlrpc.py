"""pypi.org's XML-RPC API at ``/pypi`` and ``/RPC2``: each method's answer
in pypi.org's shape, the changelog a mirror follows, and faults (never a
500) for whatever a caller gets wrong."""

import datetime
import threading
import time
import xmlrpc.client

import pytest
import waitress

from cheeseshop.accounts import roles
from cheeseshop.catalog import projects, releases
from cheeseshop.web.forms import MAX_FORM_BYTES
from tests import factories
from tests.factories import basic_auth, upload

ENDPOINTS = ("/pypi", "/pypi/", "/RPC2")


def call(testapp, method, *args, path="/pypi", status=200, headers=None):
    """The answer to ``method(*args)``, or the Fault it was."""
    body = xmlrpc.client.dumps(args, method).encode()
    response = testapp.post(
        path, body, headers={"Content-Type": "text/xml", **(headers or {})}, status=status
    )
    if status != 200:
        return response
    assert response.content_type == "text/xml"
    try:
        (result,), _ = xmlrpc.client.loads(response.body, use_builtin_types=True)
    except xmlrpc.client.Fault as fault:
        return fault
    return result


def post_raw(testapp, body, status=200):
    response = testapp.post("/pypi", body, headers={"Content-Type": "text/xml"}, status=status)
    if status != 200:
        return response
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(response.body)
    return fault.value


@pytest.fixture
def published(testapp, alice, bob, dbsession, tm):
    """Demo.Pkg 1.0 (wheel, sdist), 2.0 and 3.0a1 by alice, bob a
    maintainer; Other 0.1 by bob."""
    upload(testapp, alice, "Demo.Pkg", "1.0", summary="Demo 1.0", author="A. Author")
    upload(testapp, alice, "Demo.Pkg", "1.0", kind="sdist", summary="Demo 1.0")
    upload(
        testapp,
        alice,
        "Demo.Pkg",
        "2.0",
        summary="Demo 2.0",
        requires_dist="packaging>=24",
        project_urls="Source, https://example.org/demo",
        requires_python=">=3.9",
    )
    upload(testapp, alice, "Demo.Pkg", "3.0a1")
    upload(testapp, bob, "Other", "0.1")
    with tm:
        roles.set_role(dbsession, "demo-pkg", "bob", "Maintainer")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoint_answers(testapp, published, path):
    assert call(testapp, "list_packages", path=path) == ["Demo.Pkg", "Other"]


def test_list_packages_with_serial(testapp, published):
    serials = call(testapp, "list_packages_with_serial")
    assert set(serials) == {"Demo.Pkg", "Other"}
    document = testapp.get("/pypi/demo-pkg/json").json
    assert serials["Demo.Pkg"] == document["last_serial"]
    assert call(testapp, "changelog_last_serial") == max(serials.values())


def test_package_releases(testapp, published, dbsession, tm):
    assert call(testapp, "package_releases", "demo-pkg") == ["2.0"]  # the latest final
    assert call(testapp, "package_releases", "Demo_Pkg", True) == ["3.0a1", "2.0", "1.0"]
    assert call(testapp, "package_releases", "no-such-project") == []
    with tm:
        releases.yank(dbsession, "demo-pkg", "2.0")
    assert call(testapp, "package_releases", "demo-pkg") == ["1.0"]
    with tm:
        releases.yank(dbsession, "demo-pkg", "1.0")
    assert call(testapp, "package_releases", "demo-pkg") == ["3.0a1"]
    with tm:
        releases.yank(dbsession, "demo-pkg", "3.0a1")
    assert call(testapp, "package_releases", "demo-pkg") == []
    assert call(testapp, "package_releases", "demo-pkg", True) == ["3.0a1", "2.0", "1.0"]


def test_release_urls(testapp, published, dbsession, tm):
    urls = call(testapp, "release_urls", "demo-pkg", "1.0")
    assert [u["filename"] for u in urls] == ["demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"]
    document = testapp.get("/pypi/demo-pkg/1.0/json").json["urls"]
    for url, expected in zip(urls, document):
        assert isinstance(url["upload_time"], datetime.datetime)
        assert url["upload_time_iso_8601"] == expected["upload_time_iso_8601"]
        assert url["digests"] == expected["digests"]
        for key in ("packagetype", "python_version", "size", "md5_digest", "url", "filename"):
            assert url[key] == expected[key], key
        assert url["has_sig"] is False and url["downloads"] == -1
        assert url["yanked"] is False and url["yanked_reason"] == ""
        assert url["comment_text"] == ""
    assert urls[0]["packagetype"] == "bdist_wheel" and urls[1]["packagetype"] == "sdist"

    with tm:
        releases.yank(dbsession, "demo-pkg", "1.0", reason="broken <build>")
    urls = call(testapp, "release_urls", "demo-pkg", "1.0")
    assert all(u["yanked"] and u["yanked_reason"] == "broken <build>" for u in urls)
    assert call(testapp, "release_urls", "demo-pkg", "9.9") == []
    assert call(testapp, "release_urls", "nothing", "1.0") == []
    assert call(testapp, "release_urls", "demo-pkg", "not a version \x7f") == []
    with tm:
        projects.set_status(dbsession, "demo-pkg", "quarantined")
    assert call(testapp, "release_urls", "demo-pkg", "2.0") == []


def test_release_data(testapp, published):
    data = call(testapp, "release_data", "demo-pkg", "2.0")
    assert data["name"] == "Demo.Pkg" and data["version"] == "2.0"
    assert data["summary"] == "Demo 2.0"
    assert data["requires_dist"] == ["packaging>=24"]
    assert data["requires_python"] == ">=3.9"
    assert data["project_url"] == ["Source, https://example.org/demo"]
    assert data["package_url"].endswith("/project/demo-pkg/")
    assert data["release_url"].endswith("/project/demo-pkg/2.0/")
    assert data["downloads"] == {"last_day": -1, "last_week": -1, "last_month": -1}
    assert data["docs_url"] == "" and data["classifiers"] == []
    assert call(testapp, "release_data", "demo-pkg", "1.0")["author"] == "A. Author"
    assert call(testapp, "release_data", "demo-pkg", "9.9") == {}
    assert call(testapp, "release_data", "nothing", "1.0") == {}


def test_roles(testapp, published):
    assert call(testapp, "package_roles", "Demo.Pkg") == [
        ["Owner", "alice"],
        ["Maintainer", "bob"],
    ]
    assert call(testapp, "package_roles", "nothing") == []
    assert call(testapp, "user_packages", "bob") == [
        ["Owner", "Other"],
        ["Maintainer", "Demo.Pkg"],
    ]
    assert call(testapp, "user_packages", "alice") == [["Owner", "Demo.Pkg"]]
    assert call(testapp, "user_packages", "nobody") == []
    assert call(testapp, "user_packages", "x" * 500) == []


def test_changelog_since_serial_is_what_came_after(testapp, alice, dbsession, tm):
    assert call(testapp, "changelog_last_serial") == 0
    assert call(testapp, "changelog_since_serial", 0) == []
    upload(testapp, alice, "demo", "1.0")
    middle = call(testapp, "changelog_last_serial")
    upload(testapp, alice, "demo", "1.1")
    with tm:
        releases.yank(dbsession, "demo", "1.0", reason="bad")
    entries = call(testapp, "changelog_since_serial", 0)
    assert [e[4] for e in entries] == sorted(e[4] for e in entries)
    assert [e[4] for e in entries][-1] == call(testapp, "changelog_last_serial")
    later = call(testapp, "changelog_since_serial", middle)
    assert later == [e for e in entries if e[4] > middle]
    assert [(e[0], e[1], e[3]) for e in later] == [
        ("demo", "1.1", "new release"),
        ("demo", "1.1", "add py3 file demo-1.1-py3-none-any.whl"),
        ("demo", "1.0", "yank release"),
    ]
    now = time.time()
    assert all(now - 600 < e[2] <= now + 1 for e in entries)
    assert entries[0][:2] == ["demo", ""]  # "create": no version
    assert call(testapp, "changelog_since_serial", 10**6) == []


def test_changelog_by_time(testapp, alice):
    start = int(time.time()) - 2
    upload(testapp, alice, "demo", "1.0")
    entries = call(testapp, "changelog", start)
    with_ids = call(testapp, "changelog", start, True)
    assert [e + [s[4]] for e, s in zip(entries, with_ids)] == with_ids
    assert all(len(e) == 4 for e in entries)
    assert with_ids == call(testapp, "changelog_since_serial", 0)
    assert call(testapp, "changelog", int(time.time()) + 3600) == []


def test_changelog_is_capped(testapp, alice, app, monkeypatch):
    from cheeseshop.rendering import xmlrpc_methods

    upload(testapp, alice, "demo", "1.0")
    upload(testapp, alice, "demo", "1.1")
    all_entries = call(testapp, "changelog_since_serial", 0)
    assert len(all_entries) > 3
    monkeypatch.setattr(xmlrpc_methods, "CHANGELOG_LIMIT", 2)
    # A mirror calls again from the last serial it received.
    seen, serial = [], 0
    while batch := call(testapp, "changelog_since_serial", serial):
        assert len(batch) <= 2
        seen += batch
        serial = batch[-1][4]
    assert seen == all_entries


# Faults


@pytest.mark.parametrize(
    ("method", "args", "code", "message"),
    [
        ("no_such_method", (), -32601, "No method 'no_such_method'"),
        ("system.multicall", ([],), -32601, "No method"),
        ("list_packages", ("extra",), -32602, "takes 0 arguments, not 1"),
        ("package_releases", (), -32602, "takes 1 to 2 arguments, not 0"),
        ("package_releases", (3,), -32602, "package_name must be a string, not 3"),
        ("package_releases", ("demo", "yes"), -32602, "show_hidden must be a boolean"),
        ("release_urls", ("demo",), -32602, "takes 2 arguments, not 1"),
        ("changelog_since_serial", ("12",), -32602, "since_serial must be a 32-bit integer"),
        ("changelog_since_serial", (True,), -32602, "must be a 32-bit integer"),
        ("changelog", (1.5,), -32602, "since must be a 32-bit integer, not 1.5"),
        ("user_packages", ({"a": 1},), -32602, "user must be a string"),
    ],
)
def test_faults(testapp, method, args, code, message):
    fault = call(testapp, method, *args)
    assert isinstance(fault, xmlrpc.client.Fault)
    assert fault.faultCode == code
    assert message in fault.faultString


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<methodCall><methodName>list_packages</methodName>",
        b"<methodCall><methodName>changelog</methodName><params><param><value><int>x"
        b"</int></value></param></params></methodCall>",
        b"<methodCall><params/></methodCall>",
        b"<methodCall><methodName>list_packages</methodName>\x00</methodCall>",
        "<methodCall><methodName>\u00e9</methodName></methodCall>".encode("latin-1"),
    ],
)
def test_malformed_bodies_are_faults(testapp, body):
    fault = post_raw(testapp, body)
    assert fault.faultCode in (-32700, -32600)


def test_a_fault_quoting_the_body_stays_short_and_well_formed(testapp):
    junk = "\x01" * 10 + "9" * 50_000
    body = (
        "<methodCall><methodName>changelog</methodName><params><param><value>"
        f"<int>{junk}</int></value></param></params></methodCall>"
    ).encode()
    fault = post_raw(testapp, body)
    assert fault.faultCode == -32700 and len(fault.faultString) <= 500


def test_an_integer_beyond_four_bytes_is_a_fault(testapp):
    body = (
        b"<methodCall><methodName>changelog</methodName><params><param><value>"
        b"<i8>1099511627776</i8></value></param></params></methodCall>"
    )
    fault = post_raw(testapp, body)
    assert fault.faultCode == -32602
    assert "since must be a 32-bit integer" in fault.faultString


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lolololololololololololololololololololololololololololololololol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<methodCall><methodName>package_releases</methodName><params><param><value><string>&lol9;
</string></value></param></params></methodCall>"""


@pytest.mark.parametrize(
    "body",
    [
        BOMB,
        BOMB.decode().encode("utf-16"),  # no byte of it reads "<!DOCTYPE"
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://192.0.2.1/x.dtd">'
        b"<methodCall><methodName>list_packages</methodName></methodCall>",
    ],
)
def test_document_type_declarations_are_refused(testapp, body):
    started = time.monotonic()
    fault = post_raw(testapp, body)
    assert time.monotonic() - started < 2
    assert fault.faultCode == -32700
    assert "document type declaration" in fault.faultString


def test_a_body_over_64_kib_is_413(testapp):
    body = xmlrpc.client.dumps(("x" * MAX_FORM_BYTES,), "package_releases").encode()
    response = call(testapp, "package_releases", "x" * MAX_FORM_BYTES, status=413)
    assert len(body) > MAX_FORM_BYTES and response.status_int == 413


def test_stored_control_characters_do_not_break_the_answer(testapp, alice):
    upload(testapp, alice, "demo", "1.0", summary="bell\x07 and <tags> & more")
    data = call(testapp, "release_data", "demo", "1.0")
    assert data["summary"] == "bell and <tags> & more"


def test_get_is_not_a_call(testapp):
    testapp.get("/RPC2", status=404)


def test_no_csrf_token_needed_with_a_session_cookie(testapp, alice):
    factories.sign_in(factories.browser(testapp.app), alice)
    assert call(testapp, "list_packages") == []


# A private index


@pytest.fixture
def private(settings, alice):
    import webtest

    from cheeseshop.app import main

    app = webtest.TestApp(main({}, **settings, **{"cheeseshop.read_access": "authenticated"}))
    upload(app, alice, "demo", "1.0")
    yield app
    for name in ("db_engine", "db_read_engine"):
        app.app.registry[name].dispose()


@pytest.mark.parametrize("path", ENDPOINTS)
def test_private_index_asks_anonymous_callers_to_sign_in(private, path, alice):
    response = call(private, "list_packages", path=path, status=401)
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    call(private, "list_packages", path=path, headers=basic_auth(("alice", "wrong")), status=401)
    assert call(private, "list_packages", path=path, headers=basic_auth(alice)) == ["demo"]


# A real client


@pytest.fixture
def live(app):
    """The app on a real waitress; its URL."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Closed from the server's own loop (see test_hostile_urls.live).
        server.trigger.pull_trigger(server.close)
        thread.join(10)
        assert not thread.is_alive()
        server.task_dispatcher.shutdown()


@pytest.mark.parametrize("path", ["/pypi", "/RPC2"])
def test_server_proxy(testapp, published, live, path):
    with xmlrpc.client.ServerProxy(live + path) as client:
        assert client.list_packages() == ["Demo.Pkg", "Other"]
        serial = client.changelog_last_serial()
        assert max(client.list_packages_with_serial().values()) == serial
        assert client.package_releases("demo-pkg") == ["2.0"]
        urls = client.release_urls("demo-pkg", "2.0")
        assert isinstance(urls[0]["upload_time"], xmlrpc.client.DateTime)
        assert client.changelog_since_serial(serial) == []
        with pytest.raises(xmlrpc.client.Fault) as fault:
            client.no_such_method()
        assert fault.value.faultCode == -32601

"""The access log: one line per request once its body is sent, naming the
user the credentials proved (``-`` when none were checked), never the
credentials themselves, and always one line whatever the path holds."""

import collections
import hashlib
import logging
import re
import urllib.parse

import pytest
import transaction
import webtest

from cheeseshop.accounts import tokens
from cheeseshop.app import main
from cheeseshop.db.sessions import get_tm_session
from tests import factories
from tests.conftest import TOKEN_KEY
from tests.factories import basic_auth, upload

CLIENT = "192.0.2.7"
LINE = re.compile(r'(\S+) (\S+) "(\S+) (\S+) (\S+)" (\S+) (\d+) (\d+\.\d{3})s')
Line = collections.namedtuple("Line", "client user method target protocol status bytes seconds")


@pytest.fixture
def testapp(app):
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": CLIENT})


@pytest.fixture
def access_lines(caplog):
    """``access_lines()``: the access lines logged so far, parsed."""
    caplog.set_level(logging.INFO, logger="cheeseshop.access")

    def lines():
        found = []
        for record in caplog.records:
            if record.name != "cheeseshop.access":
                continue
            assert record.levelno == logging.INFO
            message = record.getMessage()
            match = LINE.fullmatch(message)
            assert match, f"not an access line: {message!r}"
            client, user, method, target, protocol, status, size, seconds = match.groups()
            found.append(Line(client, user, method, target, protocol, status, int(size), seconds))
        return found

    return lines


def only_line(access_lines):
    (line,) = access_lines()
    return line


def assert_never_logged(caplog, username, secret, *more):
    """Neither ``secret``, nor the Authorization header that carried it, nor
    any of ``more`` is in a record of the test."""
    header = basic_auth((username, secret))["Authorization"].split()[1]
    text = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    for value in (secret, header, *more):
        assert value not in text


def make_token(session_factory, username="alice", **options):
    """(id, token) of a new token of ``username``, committed."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(session_factory, manager)
        token, secret = tokens.create_token(session, TOKEN_KEY.encode(), username, **options)
        token_id = token.id
    return token_id, secret


def test_a_public_read_is_one_line_without_a_user(testapp, access_lines):
    response = testapp.get("/simple/")
    line = only_line(access_lines)
    assert line.client == CLIENT
    assert line.user == "-"
    assert (line.method, line.target, line.protocol) == ("GET", "/simple/", "HTTP/1.0")
    assert line.status == "200"
    assert line.bytes == len(response.body) > 0
    assert float(line.seconds) >= 0


def test_the_query_is_part_of_the_target(testapp, access_lines):
    testapp.get("/simple/?format=text/html&x=%20y")
    assert only_line(access_lines).target == "/simple/?format=text/html&x=%20y"


def test_credentials_on_a_public_read_are_not_checked_for_the_log(
    testapp, alice, access_lines, caplog
):
    # The read never asks who is calling, so neither does the log: no
    # password hash for a line.
    testapp.get("/simple/", headers=basic_auth(alice))
    assert only_line(access_lines).user == "-"
    assert_never_logged(caplog, *alice)


def test_an_upload_names_its_user_and_never_the_password(testapp, alice, access_lines, caplog):
    upload(testapp, alice, "demo", "1.0")
    line = only_line(access_lines)
    assert (line.user, line.method, line.target, line.status) == (
        "alice",
        "POST",
        "/legacy/",
        "200",
    )
    assert_never_logged(caplog, *alice)


def test_a_token_upload_names_the_user_and_the_token(
    testapp, alice, session_factory, access_lines, caplog
):
    token_id, secret = make_token(session_factory)
    upload(testapp, (tokens.USERNAME, secret), "demo", "1.0")
    line = only_line(access_lines)
    assert (line.user, line.status) == (f"alice/token-{token_id}", "200")
    assert_never_logged(
        caplog, tokens.USERNAME, secret, tokens.keyed_hash(TOKEN_KEY.encode(), secret)
    )


def test_wrong_credentials_are_logged_without_a_user_or_the_password(
    testapp, alice, access_lines, caplog
):
    wrong = "not the password, 7f3a9c"
    upload(testapp, ("alice", wrong), "demo", "1.0", status=403)
    line = only_line(access_lines)
    assert (line.user, line.status) == ("-", "403")
    assert_never_logged(caplog, "alice", wrong)


def test_a_missing_page_is_logged_with_404(testapp, access_lines):
    response = testapp.get("/simple/no-such-project/", status=404)
    line = only_line(access_lines)
    assert (line.status, line.bytes) == ("404", len(response.body))


@pytest.mark.parametrize(
    "url, shown",
    [
        ("/simple/a%0Ab%0D%0A/", "/simple/a%0Ab%0D%0A/"),
        ("/simple/a%1B[31mb%00/", "/simple/a%1B[31mb%00/"),
        ("/simple/caf%C3%A9 %22x%22\\/", "/simple/caf%C3%A9%20%22x%22%5C/"),
        ("/simple/100%25/", "/simple/100%25/"),
    ],
)
def test_a_hostile_path_stays_on_one_line(testapp, access_lines, url, shown):
    testapp.get(url, expect_errors=True)
    assert only_line(access_lines).target == shown


def test_a_hostile_query_stays_on_one_line(testapp, access_lines):
    # Escapes the client sent stay as they are; what no URL may hold is escaped.
    testapp.get("/simple/", params='q=\x01\x7f y\n"z"%20', expect_errors=True)
    assert only_line(access_lines).target == "/simple/?q=%01%7F%20y%0A%22z%22%20"


def test_a_long_target_is_cut(testapp, access_lines):
    testapp.get("/simple/" + "a" * 5000 + "/?" + "b" * 5000, expect_errors=True)
    target = only_line(access_lines).target
    assert target.startswith("/simple/aaa")
    assert target.endswith("...")
    assert len(target) <= 2003


def test_a_private_read_names_its_user_every_time(settings, alice, access_lines, caplog):
    app = main({}, **{**settings, "cheeseshop.read_access": "authenticated"})
    testapp = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": CLIENT})
    wrong = "not the password, 7f3a9c"
    testapp.get("/simple/", status=401)
    testapp.get("/simple/", headers=basic_auth(("alice", wrong)), status=401)
    # The second read is answered from the remembered password check.
    testapp.get("/simple/", headers=basic_auth(alice))
    testapp.get("/simple/", headers=basic_auth(alice))
    assert [(line.user, line.status) for line in access_lines()] == [
        ("-", "401"),
        ("-", "401"),
        ("alice", "200"),
        ("alice", "200"),
    ]
    assert_never_logged(caplog, *alice)
    assert_never_logged(caplog, "alice", wrong)


def test_off_with_the_setting(settings, alice, caplog):
    caplog.set_level(logging.INFO, logger="cheeseshop.access")
    app = main({}, **{**settings, "cheeseshop.access_log": "false"})
    testapp = webtest.TestApp(app)
    testapp.get("/simple/")
    upload(testapp, alice, "demo", "1.0")
    testapp.get("/simple/nothing/", status=404)
    assert [r for r in caplog.records if r.name == "cheeseshop.access"] == []


@pytest.fixture
def wheel_file(testapp, alice):
    """(URL path, bytes) of an uploaded wheel of a few blocks."""
    content = factories.wheel(
        "demo", "1.0", files={"demo/data.bin": hashlib.sha256(b"seed").digest() * 4096}
    )
    upload(testapp, alice, "demo", "1.0", content=content)
    (entry,) = testapp.get("/pypi/demo/json").json["urls"]
    return urllib.parse.urlsplit(entry["url"]).path, content


def test_a_download_counts_every_byte_and_head_none(testapp, wheel_file, access_lines, caplog):
    path, content = wheel_file
    caplog.clear()
    assert testapp.get(path).body == content
    testapp.head(path)
    testapp.get(path, headers={"Range": "bytes=10-99"}, status=206)
    etag = f'"{hashlib.sha256(content).hexdigest()}"'
    testapp.get(path, headers={"If-None-Match": etag}, status=304)
    assert [(line.method, line.status, line.bytes) for line in access_lines()] == [
        ("GET", "200", len(content)),
        ("HEAD", "200", 0),
        ("GET", "206", 90),
        ("GET", "304", 0),
    ]
    assert {line.target for line in access_lines()} == {path}

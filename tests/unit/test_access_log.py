"""The access log middleware around plain WSGI apps: when the line is
written, what it counts, and what it says when the app fails."""

import logging

import pytest

from cheeseshop.access_log import AccessLog, escaped
from cheeseshop.security.policy import ENVIRON_USER

ENVIRON = {
    "REMOTE_ADDR": "192.0.2.7",
    "REQUEST_METHOD": "GET",
    "SCRIPT_NAME": "",
    "PATH_INFO": "/simple/",
    "QUERY_STRING": "",
    "SERVER_PROTOCOL": "HTTP/1.1",
}


class Body:
    """An app_iter that records whether it was closed."""

    def __init__(self, blocks):
        self.blocks = blocks
        self.closed = 0

    def __iter__(self):
        yield from self.blocks

    def close(self):
        self.closed += 1


def answering(body, status="200 OK"):
    def app(environ, start_response):
        start_response(status, [("Content-Type", "application/octet-stream")])
        return body

    return app


@pytest.fixture
def messages(caplog):
    caplog.set_level(logging.INFO, logger="cheeseshop.access")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "cheeseshop.access"]


def start_response(status, headers, exc_info=None):
    return lambda data: None


def test_the_line_is_written_when_the_body_is_closed(messages):
    body = Body([b"abc", b"", b"defg"])
    answer = AccessLog(answering(body))({**ENVIRON, ENVIRON_USER: "alice"}, start_response)
    assert next(answer) == b"abc"
    assert messages() == []
    assert list(answer) == [b"", b"defg"]
    assert messages() == []
    answer.close()
    answer.close()
    assert body.closed == 1
    (message,) = messages()
    assert message.startswith('192.0.2.7 alice "GET /simple/ HTTP/1.1" 200 7 ')
    assert message.endswith("s")


def test_a_body_abandoned_half_way_counts_what_was_given(messages):
    body = Body([b"a" * 10, b"b" * 10])
    answer = AccessLog(answering(body, "206 Partial Content"))(ENVIRON, start_response)
    next(answer)
    answer.close()
    assert body.closed == 1
    (message,) = messages()
    assert '"GET /simple/ HTTP/1.1" 206 10 ' in message


def test_an_app_that_raises_is_a_500(messages):
    def app(environ, start_response):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        AccessLog(app)(ENVIRON, start_response)
    (message,) = messages()
    assert '"GET /simple/ HTTP/1.1" 500 0 ' in message


def test_a_body_that_fails_before_its_first_byte_is_a_500(messages):
    def failing():
        raise OSError("storage gone")
        yield b""

    answer = AccessLog(answering(failing()))(ENVIRON, start_response)
    with pytest.raises(OSError):
        next(answer)
    answer.close()
    (message,) = messages()
    assert '"GET /simple/ HTTP/1.1" 500 0 ' in message


def test_a_body_that_fails_later_keeps_the_status_already_sent(messages):
    def failing():
        yield b"12345"
        raise OSError("storage gone")

    answer = AccessLog(answering(failing()))(ENVIRON, start_response)
    with pytest.raises(OSError):
        list(answer)
    answer.close()
    (message,) = messages()
    assert '"GET /simple/ HTTP/1.1" 200 5 ' in message


def test_nothing_is_formatted_when_the_logger_is_off(caplog):
    caplog.set_level(logging.WARNING, logger="cheeseshop.access")
    answer = AccessLog(answering(Body([b"x"])))(ENVIRON, start_response)
    list(answer)
    answer.close()
    assert caplog.records == []


def test_the_registry_is_the_wrapped_apps():
    class App:
        registry = object()

    assert AccessLog(App()).registry is App.registry


@pytest.mark.parametrize(
    "text, shown",
    [
        ("", "-"),
        ("alice", "alice"),
        ("a b\tc\r\nd", "a%20b%09c%0D%0Ad"),
        ('"\\', "%22%5C"),
        ("\x00\x1b\x7f\xff", "%00%1B%7F%FF"),
        ("\u2028", "%E2%80%A8"),
        ("x" * 30, "x" * 20 + "..."),
        ("\n" * 30, "%0A" * 6 + "..."),
    ],
)
def test_escaped(text, shown):
    assert escaped(text, 20) == shown

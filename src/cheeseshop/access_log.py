"""One line per request, as a web server's access log writes it::

    127.0.0.1 alice "GET /simple/demo/ HTTP/1.1" 200 1234 0.004s

The client address, the user (``-`` when the request did not authenticate),
the request line, the status, the bytes of the body and the seconds from the
request reaching the application to the end of its body. Logged to the
``cheeseshop.access`` logger at INFO once the body has been sent (or the
server gave up on it), so the bytes are those the application gave, not
those it announced.

The user is what the security policy put in the environ after checking the
credentials (:data:`cheeseshop.security.policy.ENVIRON_USER`); this
middleware never reads them (a public read never asks for an identity, and
must not pay a password hash for a log line). Nothing the client sent is
written as it is: every character outside printable ASCII is
percent-encoded, so a hostile path cannot forge a second line.
"""

import itertools
import logging
import re
import time

from cheeseshop.security.policy import ENVIRON_USER

log = logging.getLogger("cheeseshop.access")

# Longest request target written: enough for any real URL of the index, and
# a bound on what a client can make every line cost.
TARGET_MAX = 2000
FIELD_MAX = 100

# Characters written as they are: printable ASCII but the space, which
# separates the fields, and the quote and backslash, which delimit them.
PLAIN = frozenset(chr(c) for c in range(0x21, 0x7F)) - set('"\\')
# The path arrives percent-decoded: its "%" is encoded again, as the client
# sent it. The query arrives as it was sent, escapes and all.
PATH_PLAIN = PLAIN - {"%"}


# The same sets as patterns: most fields need no escape, and one regular
# expression finds that out faster than a loop over their characters.
_ALL_PLAIN = {
    PLAIN: re.compile(r"[\x21\x23-\x5b\x5d-\x7e]*"),
    PATH_PLAIN: re.compile(r"[\x21\x23\x24\x26-\x5b\x5d-\x7e]*"),
}


def escaped(text: str, limit: int, plain=PLAIN) -> str:
    """``text`` (a WSGI string: one character per byte) with every character
    not in ``plain`` percent-encoded, cut and marked ``...`` where it would
    pass ``limit`` characters; ``-`` when empty."""
    if len(text) <= limit and _all_plain(text, plain):
        return text or "-"
    return _cut(_escaped_parts(text, plain), limit) or "-"


def _all_plain(text, plain):
    pattern = _ALL_PLAIN.get(plain)
    return pattern is not None and pattern.fullmatch(text) is not None


def request_target(environ) -> str:
    """The path and query the client asked for, escaped and cut."""
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    if (
        len(path) + len(query) + 1 <= TARGET_MAX
        and _all_plain(path, PATH_PLAIN)
        and _all_plain(query, PLAIN)
    ):
        return (path + "?" + query if query else path) or "-"
    parts = _escaped_parts(path, PATH_PLAIN)
    if query:
        parts = itertools.chain(parts, "?", _escaped_parts(query, PLAIN))
    return _cut(parts, TARGET_MAX) or "-"


def _escaped_parts(text, plain):
    for character in text:
        yield character if character in plain else _percent_encoded(character)


def _percent_encoded(character):
    # A WSGI string's characters are bytes; anything else is text of ours.
    encoding = "latin-1" if ord(character) < 0x100 else "utf-8"
    return "".join(f"%{byte:02X}" for byte in character.encode(encoding, "surrogatepass"))


def _cut(parts, limit):
    kept, size = [], 0
    for part in parts:
        if size + len(part) > limit:
            kept.append("...")
            break
        kept.append(part)
        size += len(part)
    return "".join(kept)


class AccessLog:
    """WSGI middleware writing one line per request to ``cheeseshop.access``."""

    def __init__(self, app):
        self.app = app

    @property
    def registry(self):
        # What callers of make_app reach through the app: the engines (serve's
        # workers, the tests).
        return self.app.registry

    def __call__(self, environ, start_response):
        entry = _Entry(environ)

        def start(status, headers, exc_info=None):
            entry.status = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, start)
        except BaseException:
            entry.status = "500"
            entry.write()
            raise
        return _LoggedBody(body, entry)


LINE = '%s %s "%s %s %s" %s %d %.3fs'


class _Entry:
    """What the line of one request says, gathered as it is answered."""

    def __init__(self, environ):
        self.environ = environ
        self.started = time.perf_counter()
        self.status = "-"
        self.bytes = 0

    def write(self):
        if not log.isEnabledFor(logging.INFO):
            return
        environ = self.environ
        args = (
            escaped(environ.get("REMOTE_ADDR", ""), FIELD_MAX),
            escaped(environ.get(ENVIRON_USER, ""), FIELD_MAX),
            escaped(environ.get("REQUEST_METHOD", ""), FIELD_MAX),
            request_target(environ),
            escaped(environ.get("SERVER_PROTOCOL", ""), FIELD_MAX),
            escaped(self.status, FIELD_MAX),
            self.bytes,
            time.perf_counter() - self.started,
        )
        # The record made here: ``log.info`` would walk the stack for a file
        # and a line number no access log shows, a fifth of a replayed
        # page's time.
        log.handle(log.makeRecord(log.name, logging.INFO, __file__, 0, LINE, args, None))


class _LoggedBody:
    """The application's body, block by block as the server asks for it
    (never buffered: a download stays a stream), counted; the line is
    written when the server closes it.

    A ``wsgi.file_wrapper`` body passes through here too, which costs
    waitress its shortcut of sending the file from its own loop: waitress
    then reads the file in this thread, still one block at a time. The
    application returns none today (downloads are
    ``cheeseshop.api.files.StoredStream``)."""

    def __init__(self, body, entry):
        self.body = body
        self.blocks = iter(body)
        self.entry = entry
        self.closed = False

    def __iter__(self):
        return self

    def __next__(self):
        try:
            block = next(self.blocks)
        except StopIteration:
            raise
        except BaseException:
            if not self.entry.bytes:
                # Nothing sent yet: the server answers 500 instead.
                self.entry.status = "500"
            raise
        self.entry.bytes += len(block)
        return block

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.entry.write()

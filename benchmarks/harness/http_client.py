"""The client side of HTTP (stdlib http.client): one request per connection,
streamed multipart upload bodies, and links read from simple pages."""

from __future__ import annotations

import base64
import html.parser
import http.client
import json
import re
import secrets
import urllib.parse
from pathlib import Path


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    def json(self):
        return json.loads(self.body)


def fetch(method: str, url: str, *, headers=None, body=None, timeout=60.0, sink=None) -> Response:
    """One HTTP request on a fresh connection.  ``body`` may be bytes or an
    iterable of bytes (then a Content-Length header must be given).  If
    ``sink`` is given, the response body is streamed into ``sink(chunk)``."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        if sink is None:
            data = resp.read()
        else:
            data = b""
            while True:
                chunk = resp.read(1 << 20)
                if not chunk:
                    break
                sink(chunk)
        return Response(resp.status, hdrs, data)
    finally:
        conn.close()


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def multipart(fields: list[tuple[str, str]], filename: str, path: Path, chunk: int = 1 << 20):
    """Return (headers, body_iterable, length) streaming ``path`` from disk."""
    boundary = "cheesebench" + secrets.token_hex(16)
    pre = bytearray()
    for k, v in fields:
        pre += (
            (f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n').encode()
            + str(v).encode()
            + b"\r\n"
        )
    pre += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream'
        f"\r\n\r\n"
    ).encode()
    post = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size
    length = len(pre) + size + len(post)

    def gen():
        yield bytes(pre)
        with open(path, "rb") as f:
            while True:
                b = f.read(chunk)
                if not b:
                    break
                yield b
        yield post

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
    }
    return headers, gen(), length


class LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def parse_links(body: bytes) -> list[tuple[str, str]]:
    p = LinkParser()
    p.feed(body.decode("utf-8", "replace"))
    return p.links


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()

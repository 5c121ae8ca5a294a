"""Hostile requests against a real ``cheeseshop serve``: each is answered
with the right 4xx and a message in bounded time, none grows the server by
more than 200 MB, and a flood of anonymous uploads does not slow another
client's reads.
"""

from __future__ import annotations

import http.client
import io
import threading
import time
import zipfile
from base64 import b64encode
from pathlib import Path

import pytest

from tests import factories

BOUNDARY = "----cheeseshop-hostile"
MB = 1024 * 1024


def rss_mb(pid) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def part_header(name, filename=None):
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()


def fields_part(fields):
    return b"".join(part_header(k) + v.encode() + b"\r\n" for k, v in fields)


END = f"--{BOUNDARY}--\r\n".encode()


def repeated(chunk: bytes, total: int):
    """``total`` bytes of ``chunk`` repeated, produced as they are sent."""
    sent = 0
    while sent < total:
        piece = chunk[: total - sent]
        sent += len(piece)
        yield piece


class Client:
    def __init__(self, server, credentials=None):
        self.port = server.port
        self.auth = {}
        if credentials:
            token = b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            self.auth = {"Authorization": f"Basic {token}"}

    def post(self, pieces, length, *, auth=True, timeout=120):
        """POST a multipart body given as byte strings and iterators."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(length),
        }
        if auth:
            headers.update(self.auth)
        started = time.monotonic()

        def body():
            for piece in pieces:
                if isinstance(piece, bytes):
                    yield piece
                else:
                    yield from piece

        try:
            connection.request("POST", "/legacy/", body=body(), headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.reason, time.monotonic() - started
        except (BrokenPipeError, ConnectionResetError):
            # The server answered and closed before the whole body was sent.
            response = connection.getresponse()
            return response.status, response.reason, time.monotonic() - started
        finally:
            connection.close()

    def upload(self, filename, content, **fields):
        params, _ = factories.upload_form(
            fields.pop("name"), fields.pop("version"), filename, content, **fields
        )
        head = fields_part(params) + part_header("content", filename)
        pieces = [head, content, b"\r\n", END]
        return self.post(pieces, sum(len(p) for p in pieces))

    def get(self, path):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        started = time.monotonic()
        try:
            connection.request("GET", path, headers=self.auth)
            response = connection.getresponse()
            response.read()
            return response.status, time.monotonic() - started
        finally:
            connection.close()


@pytest.fixture
def index(start_server):
    server = start_server()
    user = server.add_user()
    client = Client(server, (user.name, user.password))
    # Warm up: one ordinary upload, so that imports and caches are counted
    # in the baseline, not as growth.
    content = factories.wheel("warm", "1.0")
    status, reason, _ = client.upload(
        factories.wheel_filename("warm", "1.0"), content, name="warm", version="1.0"
    )
    assert status == 200, reason
    return server, client


def big_wheel_of_zeros(inflated):
    """A wheel whose METADATA claims and holds ``inflated`` bytes (mostly
    newlines), deflated to a thousandth of that."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        with archive.open("bomb-1.0.dist-info/METADATA", "w", force_zip64=True) as member:
            member.write(factories.metadata_text("bomb", "1.0").encode())
            block = b"\n" * MB
            for _ in range(inflated // MB):
                member.write(block)
    return buffer.getvalue()


def test_hostile_requests_cost_bounded_time_and_memory(index):
    server, client = index
    pid = server.proc.pid
    baseline = rss_mb(pid)
    anonymous = Client(server)
    cases = []

    # 1. Anonymous, 200 MB: refused on its headers (no credentials), the
    #    body never parsed.
    length = 200 * MB
    cases.append(
        ("anonymous 200 MB", anonymous.post([repeated(b"x" * MB, length)], length, auth=False), 401)
    )
    # 2. A Content-Length past the limit: 413 before any of the body is read.
    cases.append(
        ("10 GB announced", anonymous.post([b"x" * 1024], 10 * 1024 * MB, auth=False), 413)
    )
    # 3. 100,000 fields, authenticated.
    field = part_header("classifiers") + b"x\r\n"
    cases.append(
        (
            "100k fields",
            client.post(
                [repeated(field, len(field) * 100_000), END], len(field) * 100_000 + len(END)
            ),
            413,
        )
    )
    # 4. One 100 MB text field.
    length = 100 * MB
    head = part_header("description")
    cases.append(
        (
            "100 MB field",
            client.post(
                [head, repeated(b"y" * MB, length), b"\r\n", END], len(head) + length + 2 + len(END)
            ),
            413,
        )
    )
    # 5. A wheel whose METADATA inflates to 1 GiB (1 MB uploaded).
    bomb = big_wheel_of_zeros(1024 * MB)
    cases.append(
        (
            "metadata bomb",
            client.upload(
                factories.wheel_filename("bomb", "1.0"), bomb, name="bomb", version="1.0"
            ),
            400,
        )
    )
    # 6. A README that docutils would need a minute for.
    text = "Hello *world* ``code`` `link <http://x>`_\n\n" * 12_000
    metadata = factories.metadata_text("readme-bomb", "1.0", description=text)
    wheel = factories.wheel("readme-bomb", "1.0", metadata=metadata)
    cases.append(
        (
            "README bomb",
            client.upload(
                factories.wheel_filename("readme-bomb", "1.0"),
                wheel,
                name="readme-bomb",
                version="1.0",
                description=text,
            ),
            400,
        )
    )

    report = []
    for name, (status, reason, elapsed), _expected in cases:
        report.append(f"{name}: {status} {reason} in {elapsed:.1f} s")
    grown = rss_mb(pid) - baseline
    print("\n".join(report), f"\nRSS growth {grown:.0f} MB")
    for name, (status, reason, elapsed), expected in cases:
        assert status == expected, (name, status, reason)
        assert elapsed < 15, (name, elapsed)
    assert grown < 200, grown
    # And the server still serves.
    assert client.get("/simple/warm/")[0] == 200


def test_an_anonymous_flood_does_not_slow_reads(index):
    server, client = index
    anonymous = Client(server)
    stop = threading.Event()
    answered = []

    def flood():
        while not stop.is_set():
            status, _, _ = anonymous.post([repeated(b"z" * MB, 20 * MB)], 20 * MB, auth=False)
            answered.append(status)

    threads = [threading.Thread(target=flood) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        latencies = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            status, elapsed = client.get("/simple/warm/")
            assert status == 200
            latencies.append(elapsed)
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    print(
        f"\nflood: {len(answered)} anonymous uploads refused; reads: max {max(latencies):.3f} s over {len(latencies)}"
    )
    assert set(answered) == {401}
    assert len(answered) >= 8
    assert max(latencies) < 1, latencies

"""Wheels made byte by byte, and the legacy upload API spoken without a client.

The system tests need many distinct wheels (or one very large one) and full
control over the upload request: when its body is sent, and how fast. The
wheels are real (a package, METADATA, WHEEL and RECORD), installable ones.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import http.client
import os
import secrets
import urllib.parse
import zipfile
from pathlib import Path

import packaging.utils

CHUNK = 1024 * 1024


@dataclasses.dataclass
class Wheel:
    name: str
    version: str
    path: Path
    size: int
    sha256: str
    blake2_256: str

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def storage_key(self) -> str:
        """Where cheeseshop stores it (content-addressed: ab/cd/<rest>/<filename>)."""
        d = self.blake2_256
        return f"{d[:2]}/{d[2:4]}/{d[4:]}/{self.filename}"

    @property
    def download_path(self) -> str:
        return f"/packages/{self.storage_key}"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def file_digests(path: Path) -> tuple[int, str, str]:
    """(size, sha256, blake2b-256) of a file, read a chunk at a time."""
    sha256, blake2 = hashlib.sha256(), hashlib.blake2b(digest_size=32)
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            size += len(chunk)
            sha256.update(chunk)
            blake2.update(chunk)
    return size, sha256.hexdigest(), blake2.hexdigest()


def make_wheel(directory: Path, name: str, version: str, *, payload_mb: int = 0) -> Wheel:
    """A py3-none-any wheel of *name* *version*; unique bytes every call.

    With *payload_mb*, it also holds that many MiB of random, incompressible
    data (written a MiB at a time, never held in memory)."""
    directory.mkdir(parents=True, exist_ok=True)
    dist = packaging.utils.canonicalize_name(name).replace("-", "_")
    filename = f"{dist}-{version}-py3-none-any.whl"
    path = directory / filename
    info = f"{dist}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {name}\n"
        f"Version: {version}\n"
        "Summary: A wheel made by the cheeseshop system tests\n"
        "\n"
    ).encode()
    wheel_file = b"Wheel-Version: 1.0\nGenerator: cheeseshop-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    module = f"VERSION = {version!r}\nNONCE = {secrets.token_hex(16)!r}\n".encode()
    record = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{dist}/__init__.py", module)
        record.append((f"{dist}/__init__.py", _record_hash(module), len(module)))
        if payload_mb:
            blob_name = f"{dist}/payload.bin"
            sha256 = hashlib.sha256()
            with archive.open(zipfile.ZipInfo(blob_name), "w", force_zip64=True) as out:
                for _ in range(payload_mb):
                    chunk = os.urandom(CHUNK)
                    sha256.update(chunk)
                    out.write(chunk)
            digest = base64.urlsafe_b64encode(sha256.digest()).rstrip(b"=").decode()
            record.append((blob_name, f"sha256={digest}", payload_mb * CHUNK))
        archive.writestr(f"{info}/METADATA", metadata)
        record.append((f"{info}/METADATA", _record_hash(metadata), len(metadata)))
        archive.writestr(f"{info}/WHEEL", wheel_file)
        record.append((f"{info}/WHEEL", _record_hash(wheel_file), len(wheel_file)))
        lines = [f"{n},{h},{s}" for n, h, s in record] + [f"{info}/RECORD,,"]
        archive.writestr(f"{info}/RECORD", "\n".join(lines) + "\n")
    size, sha256, blake2 = file_digests(path)
    return Wheel(name, version, path, size, sha256, blake2)


class MultipartUpload:
    """A ``:action=file_upload`` request to the legacy API, built by hand so
    the caller decides how (and how fast) its body goes out."""

    def __init__(self, wheel: Wheel, username: str, password: str):
        self.wheel = wheel
        self.boundary = "cheeseshop-" + secrets.token_hex(16)
        fields = {
            ":action": "file_upload",
            "protocol_version": "1",
            "metadata_version": "2.1",
            "name": wheel.name,
            "version": wheel.version,
            "summary": "A wheel made by the cheeseshop system tests",
            "filetype": "bdist_wheel",
            "pyversion": "py3",
            "sha256_digest": wheel.sha256,
            "blake2_256_digest": wheel.blake2_256,
        }
        parts = []
        for key, value in fields.items():
            parts.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            )
        parts.append(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="content"; '
            f'filename="{wheel.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        self.head = "".join(parts).encode()
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.content_length = len(self.head) + wheel.size + len(self.tail)
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.headers = {
            "Content-Type": f"multipart/form-data; boundary={self.boundary}",
            "Content-Length": str(self.content_length),
            "Authorization": f"Basic {token}",
        }

    def body_chunks(self, chunk_size: int = CHUNK):
        """The body, *chunk_size* bytes (of the file) at a time."""
        yield self.head
        with open(self.wheel.path, "rb") as f:
            while chunk := f.read(chunk_size):
                yield chunk
        yield self.tail

    def connect(self, base_url: str, timeout: float = 600) -> http.client.HTTPConnection:
        """An open connection with the request line and headers sent; the
        caller sends the body (``conn.send``) and reads the response."""
        url = urllib.parse.urlsplit(base_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        conn.putrequest("POST", "/legacy/", skip_accept_encoding=True)
        for key, value in self.headers.items():
            conn.putheader(key, value)
        conn.endheaders()
        return conn

    def send(self, base_url: str, timeout: float = 600) -> tuple[int, str]:
        """The whole request; (status, body text)."""
        conn = self.connect(base_url, timeout)
        try:
            for chunk in self.body_chunks():
                conn.send(chunk)
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            conn.close()

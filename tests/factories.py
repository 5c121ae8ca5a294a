"""Distributions and upload forms made in memory for tests."""

import base64
import hashlib
import io
import tarfile
import zipfile

import packaging.utils


def metadata_text(name, version, metadata_version="2.1", **fields):
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    body = fields.pop("description", None)
    for key, value in fields.items():
        header = "-".join(part.capitalize() for part in key.split("_"))
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{header}: {item}")
    text = "\n".join(lines) + "\n"
    if body:
        text += "\n" + body
    return text


def wheel(name, version, metadata=None, dist_info_name=None, files=None, tag="py3-none-any"):
    """A wheel's bytes, with METADATA, WHEEL and RECORD."""
    stem = f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}"
    dist_info = f"{dist_info_name or stem}.dist-info"
    module = packaging.utils.canonicalize_name(name).replace("-", "_")
    contents = {
        f"{module}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{dist_info}/METADATA": (metadata or metadata_text(name, version)).encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    contents.update(files or {})
    record = []
    for path, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    contents[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def wheel_filename(name, version, tag="py3-none-any"):
    return f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}-{tag}.whl"


def sdist(name, version, pkg_info=None):
    stem = f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in {
            f"{stem}/PKG-INFO": (pkg_info or metadata_text(name, version)).encode(),
            f"{stem}/setup.py": b"from setuptools import setup\nsetup()\n",
        }.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sdist_filename(name, version):
    return f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}.tar.gz"


def upload_form(name, version, filename, content, *, filetype=None, digests=True, **fields):
    """(params, upload_files) for webtest, as twine sends them."""
    params = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("metadata_version", "2.1"),
        ("name", name),
        ("version", version),
        ("filetype", filetype or ("bdist_wheel" if filename.endswith(".whl") else "sdist")),
        ("pyversion", "py3" if filename.endswith(".whl") else "source"),
    ]
    if digests:
        params.append(("sha256_digest", hashlib.sha256(content).hexdigest()))
        params.append(("md5_digest", hashlib.md5(content).hexdigest()))
        params.append(("blake2_256_digest", hashlib.blake2b(content, digest_size=32).hexdigest()))
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            params.append((key, item))
    return params, [("content", filename, content)]


def basic_auth(credentials):
    username, password = credentials
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}

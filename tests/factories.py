"""What the tests make, in one place: users, projects, distributions (bytes,
filenames, metadata, upload forms), and the uploads that put them in an index,
over HTTP (``upload``) or through the publishing functions (``add_wheel``,
``add_distribution``).

Helpers only: the fixtures that call them are in the conftest.py files.
"""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

import packaging.utils
import transaction
import webtest

from cheeseshop.accounts import users as accounts
from cheeseshop.catalog import projects
from cheeseshop.db.sessions import get_tm_session
from cheeseshop.models.accounts import User
from cheeseshop.models.catalog import File, Project, Release
from cheeseshop.publishing import form, inspection, recording
from cheeseshop.settings import load as load_settings

PASSWORD = "correct horse battery staple"


# Users


def user(session_factory, username="alice", password=PASSWORD, admin=False):
    """A user committed in a transaction of its own; its id."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        session = get_tm_session(session_factory, manager)
        created = accounts.create_user(
            session, username, password, email=f"{username}@example.org", admin=admin
        )
        user_id = created.id
    return user_id


def basic_auth(credentials):
    username, password = credentials
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# Projects, releases and files as rows (not added to a session)


def project(name="Demo.Pkg", **fields):
    return Project(name=name, normalized_name=packaging.utils.canonicalize_name(name), **fields)


def release(project, version="1.0", **fields):
    fields.setdefault("canonical_version", packaging.utils.canonicalize_version(version))
    fields.setdefault("metadata_version", "2.1")
    return Release(project=project, version=version, **fields)


def file(release, filename, seed):
    """A wheel's row; its digests and path made from ``seed``."""
    return File(
        release=release,
        filename=filename,
        path=f"{seed:02x}/{filename}",
        packagetype="bdist_wheel",
        python_version="py3",
        size=10,
        md5_digest="0" * 32,
        sha256_digest=f"{seed:064x}",
        blake2_256_digest=f"{seed + 1000:064x}",
    )


# Distributions: metadata, archives, filenames


# Upload form fields that are not core metadata.
FORM_ONLY = {
    ":action",
    "protocol_version",
    "filetype",
    "pyversion",
    "comment",
    "md5_digest",
    "sha256_digest",
    "blake2_256_digest",
    "gpg_signature",
}
# Form field -> METADATA header, where they differ beyond case and "_"/"-".
HEADERS = {
    "classifiers": "Classifier",
    "project_urls": "Project-URL",
    "supported_platform": "Supported-Platform",
    "license_file": "License-File",
}


def metadata_text(name, version, metadata_version="2.1", **fields):
    """A METADATA / PKG-INFO file saying what an upload form with ``fields``
    says (the form fields that are not metadata are left out), as the files
    twine uploads do."""
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    body = fields.pop("description", None)
    for key, value in fields.items():
        if key in FORM_ONLY:
            continue
        values = value if isinstance(value, list) else [value]
        if key == "keywords":
            values = [",".join(values)]
        header = HEADERS.get(key) or "-".join(part.capitalize() for part in key.split("_"))
        for item in values:
            lines.append(f"{header}: {item}")
    text = "\n".join(lines) + "\n"
    if body:
        text += "\n" + body
    return text


def zip_archive(members, compression=zipfile.ZIP_STORED):
    """A zip archive's bytes, holding ``members`` ({path: bytes or text})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for path, data in members.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def tar_gz(members):
    """A .tar.gz archive's bytes, holding ``members`` ({path: bytes})."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


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
    return zip_archive(contents, zipfile.ZIP_DEFLATED)


def wheel_filename(name, version, tag="py3-none-any"):
    return f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}-{tag}.whl"


def sdist(name, version, pkg_info=None):
    stem = f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}"
    return tar_gz(
        {
            f"{stem}/PKG-INFO": (pkg_info or metadata_text(name, version)).encode(),
            f"{stem}/setup.py": b"from setuptools import setup\nsetup()\n",
        }
    )


def sdist_filename(name, version):
    return f"{packaging.utils.canonicalize_name(name).replace('-', '_')}-{version}.tar.gz"


def distribution(name, version, kind="wheel", **fields):
    """(filename, bytes) of a wheel or an sdist (``kind``) of ``name``
    ``version`` whose metadata says what the form ``fields`` say."""
    text = metadata_text(name, version, **fields)
    if kind == "wheel":
        return wheel_filename(name, version), wheel(name, version, metadata=text)
    if kind == "sdist":
        return sdist_filename(name, version), sdist(name, version, pkg_info=text)
    raise ValueError(f"kind is 'wheel' or 'sdist', not {kind!r}")


# Upload forms


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


def getall(params=(), **fields):
    """A ``getall(key) -> [values]`` over form fields, as the upload view
    passes the form to the publishing functions: ``params`` is a list of
    (key, value) pairs, ``fields`` values or lists of values."""
    values = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    for key, value in fields.items():
        values[key] = value if isinstance(value, list) else [value]
    return lambda key: values.get(key, [])


# Uploads


def post_form(testapp, credentials, params, files=(), status=200):
    """POST an upload form to ``/legacy/`` as ``credentials``: the response."""
    return testapp.post(
        "/legacy/", params, upload_files=list(files), headers=basic_auth(credentials), status=status
    )


def upload(
    testapp,
    credentials,
    name="demo",
    version="1.0",
    *,
    kind="wheel",
    filename=None,
    content=None,
    status=200,
    **fields,
):
    """Upload ``name`` ``version`` through ``/legacy/`` as twine does: the response.

    ``kind`` ("wheel" or "sdist") makes ``content`` and ``filename`` when they
    are not given, with the metadata the form says; ``fields`` go into the
    form (see ``upload_form``) and into that metadata."""
    if filename is None or content is None:
        made_filename, made_content = distribution(name, version, kind, **fields)
        filename = made_filename if filename is None else filename
        content = made_content if content is None else content
    params, files = upload_form(name, version, filename, content, **fields)
    return post_form(testapp, credentials, params, files, status=status)


# The limits of a default configuration, for the domain functions.
DEFAULTS = load_settings({}, environ={})
FIELD_LIMITS = form.FieldLimits.from_settings(DEFAULTS)
INSPECTION_LIMITS = inspection.InspectionLimits.from_settings(DEFAULTS)
ARCHIVE_LIMITS = INSPECTION_LIMITS.archive


def add_wheel(dbsession, storage, user_id, session_factory, tm, name="demo", version="1.0"):
    """Upload a wheel without HTTP, as the upload view does, in the caller's
    transaction (``with tm:``): the result of ``recording.add_file``."""
    return add_distribution(dbsession, storage, user_id, session_factory, tm, name, version)


def add_distribution(
    dbsession, storage, user_id, session_factory, tm, name="demo", version="1.0", kind="wheel"
):
    """Like ``add_wheel``, for a wheel or an sdist (``kind``)."""
    filename, content = distribution(name, version, kind)
    params, _ = upload_form(name, version, filename, content)
    submitted = form.read_upload(getall(params), filename, limits=FIELD_LIMITS)
    existing = projects.find_project(dbsession, submitted.normalized_name)
    checked = inspection.check_file(
        submitted,
        io.BytesIO(content),
        {"sha256": hashlib.sha256(content).hexdigest()},
        INSPECTION_LIMITS,
    )
    try:
        return recording.add_file(
            dbsession,
            storage,
            dbsession.get(User, user_id),
            existing,
            submitted,
            checked,
            session_factory=session_factory,
            transaction_manager=tm,
        )
    finally:
        checked.close()


class CommitFailed(Exception):
    """Raised inside ``with tm:`` to abort a transaction, as a refused commit would."""


# Storage


def store(storage, key, content):
    storage.store(key, io.BytesIO(content), len(content))


def read(storage, key):
    with storage.open(key) as stream:
        return stream.read()


def stored_files(files_dir):
    """The paths of the files under ``files_dir``, relative to it, sorted."""
    return sorted(
        os.path.relpath(os.path.join(folder, name), files_dir)
        for folder, _, names in os.walk(files_dir)
        for name in names
    )


# The web pages

# Where the browsers of the tests are (the audit log records it).
BROWSER_ADDRESS = "192.0.2.7"


def browser(app, address=BROWSER_ADDRESS):
    """A browser of its own (its own cookies) on ``app``: it asks for HTML,
    as browsers do, so refusals are pages and redirects to the sign-in."""
    return webtest.TestApp(
        app, extra_environ={"HTTP_ACCEPT": "text/html,*/*;q=0.8", "REMOTE_ADDR": address}
    )


def page_form(response, action):
    """The form of ``response`` that posts to ``action`` (a path: ``/account/login/``)."""
    for candidate in response.forms.values():
        if candidate.action.endswith(action):
            return candidate
    raise AssertionError(f"no form posts to {action}")


def flash_messages(response):
    """The messages a page shows after an action (the session's flashes)."""
    return [p.text for p in response.html.select("p.flash")]


def page_error(response):
    """The error message a page shows for a refused action."""
    return response.html.select_one("p.error").text


def sign_in(browser, credentials, next_path=""):
    """Sign ``browser`` in through the sign-in form: the response it is sent to."""
    username, password = credentials
    page = browser.get("/account/login/" + (f"?next={next_path}" if next_path else ""))
    login = page_form(page, "/account/login/")
    login["username"] = username
    login["password"] = password
    return login.submit(status=303).follow()


# The command line


def assert_one_line_error(result, message):
    """A failed command: non-zero, and one line saying why, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.output == f"Error: {message}\n"
    assert isinstance(result.exception, SystemExit)  # not an uncaught exception

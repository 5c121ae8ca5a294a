"""Uploads per second through the WSGI app, in-process (no network, no
server), on a fresh embedded index: the upload path's own cost (form,
archive, metadata, README, password, rows). For comparing two trees in one
run on a noisy machine:

    for tree in old new old new; do PYTHONPATH=$tree/src python3 benchmarks/upload_path.py 300; done
"""

import base64
import hashlib
import io
import sys
import tempfile
import time
import zipfile

import transaction
import webtest

from cheeseshop.accounts import users
from cheeseshop.app import main
from cheeseshop.db.engines import get_engine
from cheeseshop.db.sessions import get_session_factory, get_tm_session
from cheeseshop.settings import load

N = int(sys.argv[1]) if len(sys.argv) > 1 else 300
data = tempfile.mkdtemp()
settings = {"cheeseshop.data_dir": data}
app = webtest.TestApp(main({}, **settings))
engine = get_engine(load(settings, environ={}))
tm = transaction.TransactionManager(explicit=True)
with tm:
    users.create_user(get_tm_session(get_session_factory(engine), tm), "bench", "secret")
auth = {"Authorization": "Basic " + base64.b64encode(b"bench:secret").decode()}
readme = (
    "Demo\n====\n\n" + "Some *text* with ``code`` and a `link <https://example.org>`_.\n\n" * 40
)


def wheel(name, version):
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: s\nRequires-Dist: packaging>=24\nClassifier: Programming Language :: Python :: 3\n\n{readme}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{name}/__init__.py", "x = 1\n" * 200)
        z.writestr(f"{name}-{version}.dist-info/METADATA", meta)
        z.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return buf.getvalue()


jobs = []
for i in range(N):
    name, version = f"proj{i % 50}", f"1.{i}"
    content = wheel(name, version)
    params = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("metadata_version", "2.1"),
        ("name", name),
        ("version", version),
        ("filetype", "bdist_wheel"),
        ("pyversion", "py3"),
        ("summary", "s"),
        ("requires_dist", "packaging>=24"),
        ("classifiers", "Programming Language :: Python :: 3"),
        ("description", readme),
        ("sha256_digest", hashlib.sha256(content).hexdigest()),
    ]
    jobs.append((params, [("content", f"{name}-{version}-py3-none-any.whl", content)]))
app.post("/legacy/", jobs[0][0], upload_files=jobs[0][1], headers=auth)
started = time.perf_counter()
for params, files in jobs[1:]:
    app.post("/legacy/", params, upload_files=files, headers=auth)
elapsed = time.perf_counter() - started
print(f"{(N - 1) / elapsed:.1f} uploads/s ({N - 1} in {elapsed:.1f} s)")

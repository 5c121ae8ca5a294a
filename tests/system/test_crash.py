"""A server killed (SIGKILL) in the middle of a large upload.

``cheeseshop --data DIR serve`` takes a 200 MiB wheel (``$CHEESESHOP_TEST_CRASH_MB``
to change) and dies at one of four moments:

* ``mid-body``        part of the body sent, slowly;
* ``after-last-byte`` right after the client sent the last byte, before any
                      response (best effort: the server is still reading);
* ``while-storing``   as soon as storage's temporary file (``.tmp-*``) appears;
* ``after-storing``   as soon as the file is at its final key, i.e. before (or,
                      rarely, just after) the database commit.

Restarted on the same data dir, the index must not list or serve the file
(unless the upload was committed, in which case all of it), ``cheeseshop
fsck`` must report what the crash left behind (exit 1) or nothing (exit 0),
``fsck --repair`` must clean it up so that ``fsck`` then exits 0 and no stray
bytes are left on disk, and uploading the same file again must work.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.system.distfiles import MultipartUpload, Wheel, make_wheel

SIZE_MB = int(os.environ.get("CHEESESHOP_TEST_CRASH_MB", "200"))
NAME = "cs-crash-big"
PHASES = ("mid-body", "after-last-byte", "while-storing", "after-storing")
#: how long a phase may wait for its moment
PHASE_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def big_wheel(tmp_path_factory) -> Wheel:
    return make_wheel(tmp_path_factory.mktemp("big-wheel"), NAME, "1.0", payload_mb=SIZE_MB)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def download_sha256(url: str) -> str:
    sha256 = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=300) as response:
        assert response.status == 200
        while chunk := response.read(1024 * 1024):
            sha256.update(chunk)
    return sha256.hexdigest()


def stored_paths(data_dir: Path) -> set[str]:
    """Storage keys of the committed file rows (and their .metadata)."""
    conn = sqlite3.connect(f"file:{data_dir / 'cheeseshop.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT path, metadata_sha256 FROM files").fetchall()
    finally:
        conn.close()
    return {
        p for path, metadata in rows for p in ([path, path + ".metadata"] if metadata else [path])
    }


def stray_files(data_dir: Path) -> list[str]:
    """Files under files/ that no committed row references (temporary ones included)."""
    files = data_dir / "files"
    if not files.exists():
        return []
    referenced = stored_paths(data_dir)
    return sorted(
        str(p.relative_to(files))
        for p in files.rglob("*")
        if p.is_file() and str(p.relative_to(files)) not in referenced
    )


def wait_for(predicate, what: str):
    deadline = time.monotonic() + PHASE_TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.002)


def crash_during_upload(server, user, wheel: Wheel, phase: str) -> None:
    files = server.data_dir / "files"
    final = files / wheel.storage_key
    upload = MultipartUpload(wheel, user.name, user.password)
    conn = upload.connect(server.url)
    try:
        if phase == "mid-body":
            # a slow client: 1 MiB at a time, killed when 40% is through
            sent, stop_at = 0, upload.content_length * 4 // 10
            for chunk in upload.body_chunks():
                conn.send(chunk)
                sent += len(chunk)
                if sent >= stop_at:
                    break
                time.sleep(0.002)
        else:
            for chunk in upload.body_chunks():
                conn.send(chunk)
            if phase == "while-storing":
                wait_for(lambda: any(files.rglob(".tmp-*")), "storage's temporary file")
            elif phase == "after-storing":
                wait_for(final.exists, f"{final} to appear")
        server.kill()
    finally:
        conn.close()


def assert_not_served(server, wheel: Wheel) -> None:
    """Nothing of the upload is visible: not listed, not downloadable."""
    assert status_of(f"{server.url}/simple/{NAME}/") == 404
    assert status_of(f"{server.url}/pypi/{NAME}/json") == 404
    assert NAME not in server.simple_html()
    assert status_of(server.url + wheel.download_path) == 404
    assert status_of(server.url + wheel.download_path + ".metadata") == 404


def assert_served(server, wheel: Wheel) -> None:
    page = server.simple_json(NAME)
    files = {f["filename"]: f for f in page["files"]}
    assert set(files) == {wheel.filename}
    assert files[wheel.filename]["hashes"]["sha256"] == wheel.sha256
    assert download_sha256(server.url + wheel.download_path) == wheel.sha256


def fsck(server, *args):
    result = server.cli("fsck", *args, check=False)
    assert "No such command" not in result.output, (
        "cheeseshop fsck does not exist (yet):\n" + result.describe()
    )
    assert result.returncode in (0, 1), result.describe()
    return result


@pytest.mark.parametrize("phase", PHASES)
def test_sigkill_during_a_large_upload_leaves_nothing_half_written(
    phase, big_wheel, start_server, tmp_path
):
    server_tmp = tmp_path / "server-tmp"  # where waitress and the form parser spool bodies
    server_tmp.mkdir()
    server = start_server(env={"TMPDIR": str(server_tmp)})
    user = server.add_user()

    crash_during_upload(server, user, big_wheel, phase)
    server.start()  # the same data dir, as a supervisor would restart it

    # -- after the restart: the upload either never happened, or (only when
    #    the kill came after the commit) happened completely
    committed = stored_paths(server.data_dir)
    if phase == "after-storing" and committed:
        print(f"\n{phase}: the kill came after the commit")
        assert_served(server, big_wheel)
    else:
        assert not committed, f"{phase}: rows were committed for {committed}"
        assert_not_served(server, big_wheel)
    leftover_tmp = sorted(p.name for p in server_tmp.iterdir())
    assert not leftover_tmp, f"spooled request bodies outlived the process: {leftover_tmp}"

    # -- fsck sees what the crash left behind, and --repair removes it
    stray = stray_files(server.data_dir)
    print(f"\n{phase}: left on disk: {stray}")
    report = fsck(server)
    if stray:
        assert report.returncode == 1, (
            f"the crash left bytes that no row references, under {server.data_dir / 'files'}: "
            f"{stray}; yet fsck exits 0:\n" + report.describe()
        )
    else:
        assert report.returncode == 0, report.describe()
    repaired = fsck(server, "--repair")
    assert repaired.returncode == 0, repaired.describe()
    again = fsck(server)
    assert again.returncode == 0, again.describe()
    left = stray_files(server.data_dir)
    assert left == [], (
        f"after fsck --repair, files that no row references remain: {left}\n" + repaired.describe()
    )

    # -- and the same file uploads again, and downloads whole
    status, text = MultipartUpload(big_wheel, user.name, user.password).send(server.url)
    assert status == 200, f"re-upload -> {status}: {text}\n{server.log_tail()}"
    assert_served(server, big_wheel)
    assert stray_files(server.data_dir) == []
    final = fsck(server)
    assert final.returncode == 0, final.describe()

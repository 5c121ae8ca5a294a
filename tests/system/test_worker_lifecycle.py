"""Workers live and die with their ``serve``.

The parent is SIGKILLed alone, as the OOM killer or ``kill -9 PID`` does
(not its process group, as ``Server.kill()`` does): its workers must go
with it at once, and a server started again on the port must be the only
one answering there. Without that, the orphaned workers kept the listening
socket and went on answering (nobody restarted them, nobody would stop
them), and the new server could not bind the port.

A worker that cannot die yet (here: stopped with SIGSTOP, standing for one
that is still exiting) keeps the port: a restart then fails with one line
instead of sharing the port with it, and works once the worker is gone.

The embedded SQLite index takes concurrent uploads with several workers
(each a writer of its own, serialized by SQLite's lock).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import urllib.request

from cheeseshop_e2e import cheeseshop_command

from tests.system.distfiles import MultipartUpload, make_wheel
from tests.system.processes import (
    children,
    is_running,
    is_stopped,
    listeners,
    wait_until,
)

#: How soon the workers of a parent killed alone must be gone.
WORKERS_GONE_WITHIN = 2.0
WORKERS = 2  # several, whatever the machine's cores


def started_workers(server) -> set[int]:
    """The server's workers, once it has forked all of them."""
    parent = server.proc.pid
    assert wait_until(lambda: len(children(parent)) == WORKERS, 30), (
        f"serve {parent} has workers {children(parent)}, not {WORKERS}\n{server.log_tail()}"
    )
    return children(parent)


def answers(server) -> bool:
    try:
        with urllib.request.urlopen(server.simple_url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def kill_parent_alone(server) -> None:
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait(15)
    server.stop()  # closes the log; nothing is left to signal


def kill_leftovers(pids) -> None:
    for pid in pids:
        if is_running(pid):
            os.kill(pid, signal.SIGKILL)


def test_workers_die_with_a_parent_killed_alone(start_server):
    server = start_server(serve_args=["--workers", WORKERS])
    workers = started_workers(server)
    assert listeners(server.port) == {server.proc.pid, *workers}
    try:
        kill_parent_alone(server)

        gone = wait_until(lambda: not any(map(is_running, workers)), WORKERS_GONE_WITHIN)
        survivors = sorted(filter(is_running, workers))
        assert gone, (
            f"{WORKERS_GONE_WITHIN}s after their parent was killed, workers {survivors} "
            f"still run; the port {'still answers' if answers(server) else 'is silent'}"
        )
        assert listeners(server.port) == set()

        # the same port, as a supervisor restarts it: only the new server is there
        server.start()
        new_workers = started_workers(server)
        assert listeners(server.port) == {server.proc.pid, *new_workers}
        assert answers(server)
    finally:
        kill_leftovers(workers)


def test_a_restart_never_shares_the_port_with_an_old_worker(start_server):
    server = start_server(serve_args=["--workers", WORKERS])
    stuck, other = sorted(started_workers(server))
    try:
        # a worker that cannot run its exit yet: the parent's death signal
        # waits for it, pending
        os.kill(stuck, signal.SIGSTOP)
        assert wait_until(lambda: is_stopped(stuck), 10)
        kill_parent_alone(server)
        assert wait_until(lambda: not is_running(other), WORKERS_GONE_WITHIN)
        assert listeners(server.port) == {stuck}

        restart = subprocess.run(
            cheeseshop_command()
            + server.store.cli_args
            + ["serve", "--host", "127.0.0.1", "--port", str(server.port)],
            env=server.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restart.returncode == 1, restart.stderr
        assert restart.stderr.splitlines()[-1] == (
            f"Error: cannot listen on 127.0.0.1:{server.port}: Address already in use"
        )
        assert "Traceback" not in restart.stderr
        assert listeners(server.port) == {stuck}

        # let it run: it dies of the signal it was sent when its parent died
        os.kill(stuck, signal.SIGCONT)
        assert wait_until(lambda: not is_running(stuck), WORKERS_GONE_WITHIN)
        assert listeners(server.port) == set()
        server.start()
        assert answers(server)
    finally:
        kill_leftovers([stuck, other])


def test_several_workers_write_to_the_embedded_sqlite_index(start_server, tmp_path):
    server = start_server(serve_args=["--workers", WORKERS])
    user = server.add_user()
    wheels = [make_wheel(tmp_path / "wheels", f"cs-sqlite-{i % 3}", f"1.{i}") for i in range(12)]

    def upload(wheel):
        return MultipartUpload(wheel, user.name, user.password).send(server.url, timeout=120)

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(upload, wheels))
    refused = [
        (w.filename, status, text) for w, (status, text) in zip(wheels, results) if status != 200
    ]
    assert not refused, f"{refused}\n{server.log_tail()}"

    for name in {w.name for w in wheels}:
        request = urllib.request.Request(
            f"{server.simple_url}{name}/",
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            listed = {f["filename"] for f in json.load(response)["files"]}
        assert listed == {w.filename for w in wheels if w.name == name}

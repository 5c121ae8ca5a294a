"""``cheeseshop serve`` as a user runs it: a real process on a free port."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def wait_for(url, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds}s")


def serve_command(data, port, workers):
    """``python -m cheeseshop.cli --data DATA serve --port PORT --workers N``."""
    cli = [sys.executable, "-m", "cheeseshop.cli", "--data", str(data)]
    return [*cli, "serve", "--port", str(port), "--workers", str(workers)]


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_on_a_fresh_data_dir(tmp_path, workers):
    port = free_port()
    data = tmp_path / "data"
    process = subprocess.Popen(serve_command(data, port, workers), stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{port}/simple/", process)
        assert (data / "cheeseshop.sqlite").exists()
        assert (data / "files").is_dir()
        assert len(children_of(process.pid)) == (workers if workers > 1 else 0)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
            assert b"pip install --index-url" in response.read()
        workers_pids = children_of(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
        process.stderr.close()
    for pid in workers_pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def cheeseshop_serve(data, port, env=None, preexec_fn=None):
    """``python -m cheeseshop.cli --data DATA serve --port PORT`` (no
    --workers), its standard error read as it comes into a list."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cheeseshop.cli", "--data", str(data), "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        preexec_fn=preexec_fn,
    )
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    return process, lines, reader


CORES = sorted(os.sched_getaffinity(0))


def one_core():
    os.sched_setaffinity(0, CORES[:1])


@pytest.mark.parametrize(
    "max_workers, preexec_fn, expected",
    [
        (None, None, min(len(CORES), 8)),
        ("1", None, 1),
        # the cores it may run on (taskset, a cpuset), not the machine's
        (None, one_core, 1),
    ],
    ids=["cores", "capped-by-the-setting", "cores-of-its-affinity"],
)
def test_workers_default_to_one_per_core_at_most_the_setting(
    tmp_path, max_workers, preexec_fn, expected
):
    port = free_port()
    env = {} if max_workers is None else {"CHEESESHOP_SERVE_MAX_WORKERS": max_workers}
    process, lines, reader = cheeseshop_serve(tmp_path / "data", port, env, preexec_fn)
    try:
        wait_for(f"http://127.0.0.1:{port}/simple/", process)
        deadline = time.monotonic() + 30
        # written before the port answered, yet the reader may not have it yet
        while not any(line.startswith("cheeseshop serving") for line in lines):
            assert time.monotonic() < deadline, lines
            time.sleep(0.05)
        serving = [line.strip() for line in lines if line.startswith("cheeseshop serving")]
        assert serving == [f"cheeseshop serving http://127.0.0.1:{port}/ with {expected} worker(s)"]
        forked = expected if expected > 1 else 0  # one worker is the process itself
        while len(children_of(process.pid)) != forked and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(children_of(process.pid)) == forked
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
        reader.join(5)
        process.stderr.close()


def test_a_cap_of_no_workers_is_one_clear_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "cheeseshop.cli", "--data", str(tmp_path), "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CHEESESHOP_SERVE_MAX_WORKERS": "0"},
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: cheeseshop.serve.max_workers = 0: must be at least 1"
    )
    assert "Traceback" not in result.stderr


def test_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "cheeseshop.cli",
                "--data",
                str(tmp_path),
                "serve",
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


ACCESS_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO \[cheeseshop\.access\] "
    r'127\.0\.0\.1 - "GET /simple/\?probe HTTP/1\.1" 200 \d+ \d+\.\d{3}s'
)


@pytest.mark.parametrize(
    "how, variable, logged",
    [
        ("data", None, True),
        # An ini without logging sections logs as --data does.
        ("ini", None, True),
        ("data", "false", False),
    ],
)
def test_serve_writes_an_access_line_per_request(tmp_path, how, variable, logged):
    port = free_port()
    if how == "ini":
        ini = tmp_path / "index.ini"
        ini.write_text(f"[app:main]\nuse = egg:cheeseshop\ncheeseshop.data_dir = {tmp_path}/data\n")
        where = ["-c", str(ini)]
    else:
        where = ["--data", str(tmp_path / "data")]
    env = {k: v for k, v in os.environ.items() if k != "CHEESESHOP_ACCESS_LOG"}
    if variable is not None:
        env["CHEESESHOP_ACCESS_LOG"] = variable
    process = subprocess.Popen(
        [sys.executable, "-m", "cheeseshop.cli", *where, "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    lines = []
    # Read as it comes: the line is written once the body is sent, which
    # may be after the client has it.
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    try:
        wait_for(f"http://127.0.0.1:{port}/simple/", process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/simple/?probe") as response:
            body = response.read()
        deadline = time.monotonic() + (10 if logged else 1)
        while time.monotonic() < deadline and not any("?probe" in line for line in lines):
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
        reader.join(5)
        process.stderr.close()
    probes = [line.rstrip("\n") for line in lines if "?probe" in line]
    if not logged:
        assert probes == []
        assert not any("cheeseshop.access" in line for line in lines)
        return
    (probe,) = probes
    assert ACCESS_LINE.fullmatch(probe), probe
    assert probe.split()[-2] == str(len(body))


@pytest.mark.parametrize("workers", [1, 2])
def test_lines_still_gathered_are_written_when_serve_is_stopped(tmp_path, workers):
    """The log is written in batches (cheeseshop.log_output): a SIGTERM
    before the next batch is due still gets the last requests' lines out."""
    port = free_port()
    process = subprocess.Popen(
        serve_command(tmp_path / "data", port, workers), stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/simple/", process)
        time.sleep(1)  # the start's lines written
        for n in range(5):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/simple/?last-{n}") as response:
                response.read()
        time.sleep(0.1)  # logged once the body is sent; the batch is due in 0.5 s
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
    output = process.stderr.read()
    process.stderr.close()
    for n in range(5):
        assert f"GET /simple/?last-{n} HTTP/1.1" in output, output[-2000:]


def test_a_worker_that_keeps_dying_is_restarted_ever_more_slowly():
    from cheeseshop.cli.serve import MAX_RESTART_DELAY, RESTART_DELAY, SHORT_LIFE, restart_delay

    delays, delay = [], RESTART_DELAY
    for _ in range(8):
        delay = restart_delay(delay, lived=0.2)
        delays.append(delay)
    assert delays == sorted(delays) and delays[0] > RESTART_DELAY
    assert delays[-1] == MAX_RESTART_DELAY
    # One that served a while is restarted at once again.
    assert restart_delay(MAX_RESTART_DELAY, lived=SHORT_LIFE + 1) == RESTART_DELAY

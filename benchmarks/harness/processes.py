"""Processes: every long-lived process the harness starts is tracked and
killed on exit; short commands run with their output captured."""

from __future__ import annotations

import atexit
import datetime
import os
import shlex
import signal
import socket
import subprocess
import threading
from pathlib import Path

from .console import BenchError, log

_PROCS: list[subprocess.Popen] = []
_PROCS_LOCK = threading.Lock()


def kill_process(proc: subprocess.Popen, grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    # Each server runs in its own session, so its process group id is its pid:
    # this reaches the server and any workers it forked, and nothing else.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        try:
            proc.terminate()
        except ProcessLookupError:
            pass
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                proc.kill()
            except ProcessLookupError:
                pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            log(f"warning: process {proc.pid} did not die")


def kill_all() -> None:
    with _PROCS_LOCK:
        procs = list(_PROCS)
        _PROCS.clear()
    for p in procs:
        kill_process(p)


def spawn(cmd: list[str], *, logfile: Path, env=None, cwd=None) -> subprocess.Popen:
    logfile.parent.mkdir(parents=True, exist_ok=True)
    fh = open(logfile, "ab")
    fh.write(f"\n### {datetime.datetime.now().isoformat()} $ {shlex.join(cmd)}\n".encode())
    fh.flush()
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    finally:
        fh.close()
    with _PROCS_LOCK:
        _PROCS.append(proc)
    return proc


def forget(proc: subprocess.Popen) -> None:
    with _PROCS_LOCK:
        if proc in _PROCS:
            _PROCS.remove(proc)


def stop_process(proc: subprocess.Popen) -> None:
    """Kill a process started with ``spawn`` and stop tracking it."""
    kill_process(proc)
    forget(proc)


def _on_signal(signum, frame):
    # Turn SIGTERM/SIGHUP into an exception so finally blocks run.
    raise KeyboardInterrupt(f"signal {signum}")


def kill_all_on_exit() -> None:
    """Kill every tracked process at exit, and on SIGTERM/SIGHUP (as on ^C)."""
    atexit.register(kill_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)


def run(cmd, *, timeout=600, input=None, check=True, env=None, cwd=None):
    """Run a short-lived command, capturing its output."""
    try:
        cp = subprocess.run(
            cmd,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"command timed out after {timeout}s: {shlex.join(map(str, cmd))}") from e
    except FileNotFoundError as e:
        raise BenchError(f"command not found: {cmd[0]}") from e
    if check and cp.returncode != 0:
        out = (cp.stdout + cp.stderr).strip().splitlines()
        tail = "\n    ".join(out[-25:])
        raise BenchError(
            f"command failed (exit {cp.returncode}): {shlex.join(map(str, cmd))}\n    {tail}"
        )
    return cp


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail_file(path: Path, n: int = 30) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + ln for ln in lines[-n:])

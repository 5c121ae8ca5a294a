"""What the kernel says about a server's processes, read from /proc (Linux):
which are still running, whose children they are, in which process group,
and which hold the listening socket of a port.

A process is gone when none of its threads runs. Its main thread alone says
too little: killed, it can be a zombie while another thread still finishes
a system call (a worker's ``fsync`` of an upload, in uninterruptible sleep),
and that thread still holds every file of the process, its listening socket
included, which the kernel keeps accepting connections on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC = Path("/proc")
TCP_LISTEN = "0A"  # the state column of /proc/net/tcp
DEAD = "ZX"  # zombie, dead


def _fields(stat_path: Path) -> list[str] | None:
    """state, ppid, pgrp, ... of a /proc stat file; None if it is gone."""
    try:
        text = stat_path.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
    return text.rpartition(")")[2].split()


def _live_threads(pid: int) -> list[int]:
    try:
        tids = [int(tid) for tid in os.listdir(PROC / str(pid) / "task")]
    except (FileNotFoundError, ProcessLookupError):
        return []
    live = []
    for tid in tids:
        fields = _fields(PROC / str(pid) / "task" / str(tid) / "stat")
        if fields is not None and fields[0] not in DEAD:
            live.append(tid)
    return live


def is_running(pid: int) -> bool:
    return bool(_live_threads(pid))


def is_stopped(pid: int) -> bool:
    fields = _fields(PROC / str(pid) / "stat")
    return fields is not None and fields[0] == "T"


def _running():
    """(pid, parent pid, process group) of every process still running."""
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _fields(entry / "stat")
        if fields is not None and is_running(int(entry.name)):
            yield int(entry.name), int(fields[1]), int(fields[2])


def children(pid: int) -> set[int]:
    return {child for child, ppid, _ in _running() if ppid == pid}


def group_members(pgid: int) -> set[int]:
    return {pid for pid, _, pgrp in _running() if pgrp == pgid}


def listeners(port: int) -> set[int]:
    """The processes that hold a socket listening on *port* (IPv4)."""
    inodes = set()
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == TCP_LISTEN and int(local.rpartition(":")[2], 16) == port:
            inodes.add(f"socket:[{inode}]")
    holders = set()
    if not inodes:
        return holders
    for pid, _, _ in _running():
        # through a live thread: a zombie main thread shows no files
        tid = (_live_threads(pid) or [pid])[0]
        fd_dir = PROC / str(pid) / "task" / str(tid) / "fd"
        try:
            fds = os.listdir(fd_dir)
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        for fd in fds:
            try:
                target = os.readlink(fd_dir / fd)
            except OSError:
                continue
            if target in inodes:
                holders.add(pid)
                break
    return holders


def wait_until(predicate, seconds: float) -> bool:
    """Whether *predicate* came true within *seconds* (polled every 20 ms)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True

"""CPU time of a process tree, from /proc: the sum over its threads of
``/proc/<pid>/task/<tid>/schedstat``'s first field (nanoseconds on CPU),
fine-grained enough for one request."""

from __future__ import annotations

import os

from .memory import process_tree


def cpu_ns(pids: list[int]) -> int:
    """CPU time (ns) of the live threads of ``pids`` (threads that exited
    are not counted: read the tree of a server whose threads persist)."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total


def tree_cpu_ns(pid: int) -> int:
    """CPU time (ns) of a process and its descendants."""
    return cpu_ns(process_tree(pid))

"""Memory of a process tree, from /proc: VmRSS and VmHWM (peak) summed over
a process and its descendants, resetting the peak, and sampling RSS."""

from __future__ import annotations

import os
import threading


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # comm may contain spaces/parens: split after the last ')'
        rest = stat[stat.rfind(")") + 2 :].split()
        ppid = int(rest[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def process_tree(pid: int) -> list[int]:
    kids = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_mem(pid: int) -> dict[str, int]:
    """Sum of VmRSS and VmHWM (kB) over the process and its descendants,
    and the largest one process's VmHWM (``max_hwm_kb``: a worker's peak,
    where a server forks workers)."""
    pids = process_tree(pid)
    hwms = [_status_kb(p, "VmHWM") for p in pids]
    return {
        "rss_kb": sum(_status_kb(p, "VmRSS") for p in pids),
        "hwm_kb": sum(hwms),
        "max_hwm_kb": max(hwms, default=0),
        "nprocs": len(pids),
    }


def reset_hwm(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0, clear_refs value 5)."""
    ok = True
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            ok = False
    return ok


class RssSampler:
    """Samples the tree's RSS in a background thread; keeps the maximum."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval = pid, interval
        self.max_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            self.max_kb = max(self.max_kb, tree_mem(self.pid)["rss_kb"])
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.max_kb = max(self.max_kb, tree_mem(self.pid)["rss_kb"])

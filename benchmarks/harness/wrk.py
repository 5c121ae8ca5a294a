"""wrk: the Lua script that cycles over a list of paths, one wrk run, and
the figures parsed from its output."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from .console import BenchError


def _lua_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_lua(path: Path, paths: list[str], headers: dict[str, str]) -> None:
    lines = ["local paths = {"]
    lines += [f"  {_lua_str(p)}," for p in paths]
    lines.append("}")
    lines.append("local n = #paths")
    for k, v in headers.items():
        lines.append(f"wrk.headers[{_lua_str(k)}] = {_lua_str(v)}")
    lines.append(r"""
local next_id = 0
function setup(thread)
  -- spread the threads over the list
  thread:set("offset", math.floor(next_id * n / 2))
  next_id = next_id + 1
end
local counter = 0
function init(args)
  counter = (offset or 0) % n
end
function request()
  counter = counter % n + 1
  return wrk.format("GET", paths[counter])
end
""")
    path.write_text("\n".join(lines))


# wrk's sizes are binary: its "MB" is a MiB.
_BYTES = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> dict:
    res: dict = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise BenchError("could not parse wrk output:\n" + out)
    res["rps"] = float(m.group(1))
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        if m:
            res[f"p{pct}_ms"] = _ms(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", out)
    if m:
        res["requests"] = int(m.group(1))
        res["read"] = m.group(3)
    m = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    if m:
        res["mib_per_s"] = float(m.group(1)) * _BYTES[m.group(2)] / 2**20
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = sum(map(int, m.groups())) if m else 0
    return res


def run_wrk(base: str, lua: Path, duration: float, args) -> dict:
    cmd = [
        "wrk",
        f"-c{args.connections}",
        f"-t{args.wrk_threads}",
        f"-d{duration:g}s",
        "--latency",
        f"--timeout={args.wrk_timeout:g}s",
        "-s",
        str(lua),
        base + "/",
    ]
    try:
        cp = subprocess.run(
            cmd, capture_output=True, text=True, timeout=duration + 120, start_new_session=True
        )
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"wrk did not finish: {shlex.join(cmd)}") from e
    if cp.returncode != 0:
        raise BenchError(f"wrk failed ({cp.returncode}): {cp.stderr.strip()}")
    res = parse_wrk(cp.stdout)
    res["raw"] = cp.stdout
    return res

"""What the harness tells the user: timestamped log lines on stderr, and
``BenchError`` for failures whose message says it all."""

import sys
import time


class BenchError(Exception):
    """A failure with a message meant for the user (no traceback needed)."""


def log(msg: str) -> None:
    ts = time.strftime("%H:%M:%S")
    print(f"[{ts}] {msg}", file=sys.stderr, flush=True)

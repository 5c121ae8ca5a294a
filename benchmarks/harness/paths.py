"""Where things live: the repository, and the benchmarks' default work dir."""

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent
REPO = BENCHMARKS.parent
DEFAULT_WORK = BENCHMARKS / ".work"

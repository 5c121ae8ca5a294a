#!/usr/bin/env python3
"""How near the stack's ceiling cheeseshop's cached project page comes, and
what a worker's memory is under the reads: ``compare.py``'s run with
cheeseshop alone (and the ceiling), smaller by default, written to its own
page.  See ``benchmarks/README.md``.

    python3 benchmarks/ceiling.py                  # 100 projects x 2 releases
    python3 benchmarks/ceiling.py --write-docs     # docs/benchmarks-ceiling.rst

It takes compare.py's options (``--servers cheeseshop,devpi`` adds devpi).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
from harness.ceiling_docs import write_docs  # noqa: E402

SHAPE = {
    "description": "cheeseshop's cached project page against the stack's ceiling "
    "(a minimal Pyramid app on the same waitress settings), and a worker's memory.",
    "docs_page": "benchmarks-ceiling.rst",
    "projects": 100,  # x 2 releases, wrk 5 s after 1 s: the common defaults
}


def main(argv=None) -> int:
    return compare.main(
        argv,
        script="ceiling.py",
        docs_writer=write_docs,
        shape=SHAPE,
        servers="cheeseshop",
        big_mb=0,
    )


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""What a private index costs: cheeseshop's reads with an API token and with
a password against its public reads, in one run, beside pypiserver's public
and private (htpasswd) reads; and what authenticating an upload costs, token
against password.  See ``benchmarks/README.md``.

    python3 benchmarks/private_index.py                 # 200 projects x 2 releases
    python3 benchmarks/private_index.py --write-docs    # docs/benchmarks-private-index.rst

One run:

1. loads cheeseshop (and pypiserver) with a synthetic corpus of small wheels,
   as ``compare.py`` does;
2. starts a second cheeseshop on the same data folder with
   ``CHEESESHOP_READ_ACCESS=authenticated`` (and a second pypiserver on the
   same packages with ``-a download,list,update``);
3. measures the same reads with ``wrk`` in every mode: public and anonymous;
   private with a read-only token (``cheeseshop token create --read-only``);
   private with the password; interleaved, over ``--rounds`` rounds;
4. times ``--upload-requests`` POSTs to ``/legacy/`` with a token and with the
   password, one at a time: full uploads, and a form the server rejects right
   after authenticating, with the server's CPU time per request;
5. prints the tables, ratios and verdicts, saves the results JSON and with
   ``--write-docs`` writes ``docs/benchmarks-private-index.rst``.

cheeseshop is the one installed for this interpreter (``--cheeseshop-install
current``, the default), or this checkout installed into the harness's venv
(``venv``).  pypiserver gets a venv of its own under the work dir.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.paths import DEFAULT_WORK, REPO  # noqa: E402
from harness.private_run import render, run_private  # noqa: E402
from harness.processes import kill_all  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="cheeseshop's private index: reads with a token and with a password "
        "against public reads (and pypiserver's), and the cost of an upload's authentication."
    )
    p.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK,
        help="venvs, corpus, data dirs and logs (default: benchmarks/.work)",
    )
    p.add_argument("--projects", type=int, default=200, help="projects in the corpus (200)")
    p.add_argument("--releases", type=int, default=2, help="releases per project (2)")
    p.add_argument("--duration", type=int, default=5, help="wrk seconds per endpoint (5)")
    p.add_argument(
        "--warmup", type=int, default=1, help="unmeasured wrk seconds before each (1; 0: none)"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="read rounds; the modes are interleaved in each, rows show the median (3)",
    )
    p.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (2)")
    p.add_argument("--wrk-timeout", type=float, default=10, help="wrk --timeout seconds (10)")
    p.add_argument("--upload-threads", type=int, default=8, help="corpus upload threads (8)")
    p.add_argument(
        "--upload-requests",
        type=int,
        default=30,
        help="measured POSTs of each kind in the upload-authentication test (30)",
    )
    p.add_argument(
        "--max-urls",
        type=int,
        default=1000,
        help="at most this many projects' pages (and their files) are cycled (1000)",
    )
    p.add_argument(
        "--no-pypiserver",
        action="store_true",
        help="cheeseshop only (no pypiserver public/private comparison)",
    )
    p.add_argument(
        "--cheeseshop-install",
        choices=("current", "venv"),
        default="current",
        help="the cheeseshop installed for this interpreter (current, the default), or "
        "this checkout pip-installed into the harness's venv (venv)",
    )
    p.add_argument(
        "--cheeseshop-serve-args",
        default="",
        metavar="ARGS",
        help="extra arguments for both `cheeseshop serve`s, e.g. '--workers 2'",
    )
    p.add_argument(
        "--start-timeout", type=float, default=90, help="seconds to wait for a server (90)"
    )
    p.add_argument(
        "--reuse-data",
        action="store_true",
        help="start on the data an earlier run of the same corpus loaded (no corpus upload)",
    )
    p.add_argument(
        "--render",
        type=Path,
        metavar="RESULTS_JSON",
        help="run nothing: print the report of a saved results file (and with "
        "--write-docs write the docs page from it)",
    )
    p.add_argument("--reinstall", action="store_true", help="recreate the venvs")
    p.add_argument(
        "--write-docs",
        action="store_true",
        help="write docs/benchmarks-private-index.rst with the tables, machine and command",
    )
    p.add_argument(
        "--docs-path",
        type=Path,
        default=REPO / "docs" / "benchmarks-private-index.rst",
        help=argparse.SUPPRESS,
    )
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    args.servers = ["cheeseshop"] + ([] if args.no_pypiserver else ["pypiserver"])
    if args.projects < 1 or args.releases < 1 or args.upload_requests < 1:
        p.error("--projects, --releases and --upload-requests must be >= 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args)
    given = sys.argv[1:] if argv is None else argv
    command = "python3 benchmarks/private_index.py" + (" " + shlex.join(given) if given else "")
    return run_private(args, command)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        kill_all()
        sys.exit(130)

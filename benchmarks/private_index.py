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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import options  # noqa: E402
from harness.private_run import BENCH  # noqa: E402


def parse_args(argv=None):
    p = options.parser(
        "cheeseshop's private index: reads with a token and with a password "
        "against public reads (and pypiserver's), and the cost of an upload's authentication.",
        docs_page="benchmarks-private-index.rst",
    )
    p.add_argument(
        "--upload-requests",
        type=int,
        default=30,
        help="measured POSTs of each kind in the upload-authentication test (30)",
    )
    p.add_argument(
        "--no-pypiserver",
        action="store_true",
        help="cheeseshop only (no pypiserver public/private comparison)",
    )
    args = options.finish(p, argv, at_least_one=("upload_requests",))
    args.servers = ["cheeseshop"] + ([] if args.no_pypiserver else ["pypiserver"])
    return args


def main(argv=None) -> int:
    return options.entry_point("private_index.py", parse_args, BENCH, argv)


if __name__ == "__main__":
    sys.exit(main())

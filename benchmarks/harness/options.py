"""The command line every entry point shares: the common options (work dir,
corpus size, wrk's load and rounds, upload threads, which cheeseshop and
how it serves, start timeout, reuse of loaded data, the docs page,
``--render``), their checks, and ``entry_point``: parse, run or render,
and stop every server on Ctrl-C."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .paths import DEFAULT_WORK, REPO
from .processes import kill_all


def parser(
    description: str,
    *,
    docs_page: str,
    projects: int = 200,
    releases: int | None = 2,
    duration: float = 5,
    warmup: float = 1,
    wrk_timeout: float = 10,
    workers: int = 1,
    install: bool = True,
    reuse_data: bool = True,
    max_urls: bool = True,
) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` holding the common options with this entry
    point's defaults; ``None``/``False`` leaves an option out (``args``
    then carries the default ``finish`` gives it).  ``docs_page``: the
    file under ``docs/`` that ``--write-docs`` writes."""
    p = argparse.ArgumentParser(description=description)
    p.set_defaults(docs_page=docs_page, serve_workers=workers)
    p.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK,
        help="venvs, corpus, data dirs and logs (default: benchmarks/.work)",
    )
    p.add_argument(
        "--projects", type=int, default=projects, help=f"projects in the corpus ({projects})"
    )
    if releases is not None:
        p.add_argument(
            "--releases", type=int, default=releases, help=f"releases per project ({releases})"
        )
    p.add_argument(
        "--duration", type=float, default=duration, help=f"wrk seconds per row ({duration:g})"
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=warmup,
        help=f"unmeasured wrk seconds before each row ({warmup:g}; 0: none)",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="read rounds; what is compared is measured back to back in each, "
        "rows show the median (3)",
    )
    p.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (2)")
    p.add_argument(
        "--wrk-timeout",
        type=float,
        default=wrk_timeout,
        help=f"wrk --timeout seconds ({wrk_timeout:g})",
    )
    p.add_argument("--upload-threads", type=int, default=8, help="corpus upload threads (8)")
    if max_urls:
        p.add_argument(
            "--max-urls",
            type=int,
            default=1000,
            help="at most this many projects' pages (and their files) are cycled (1000)",
        )
    if install:
        p.add_argument(
            "--cheeseshop-install",
            choices=("current", "venv"),
            default="current",
            help="the cheeseshop installed for this interpreter (current, the default), or "
            "this checkout pip-installed into the harness's venv (venv)",
        )
        p.add_argument("--reinstall", action="store_true", help="recreate the venvs")
    p.add_argument(
        "--cheeseshop-serve-args",
        default=f"--workers {workers}",
        metavar="ARGS",
        help=f"arguments for every `cheeseshop serve` ('--workers {workers}'; without --workers, "
        f"--workers {workers} is added: `serve` alone starts one worker per core)",
    )
    p.add_argument(
        "--start-timeout", type=float, default=90, help="seconds to wait for a server (90)"
    )
    if reuse_data:
        p.add_argument(
            "--reuse-data",
            action="store_true",
            help="start on the data an earlier run of the same corpus loaded "
            "(no corpus upload; its figures are carried over and marked)",
        )
    p.add_argument(
        "--render",
        type=Path,
        metavar="RESULTS_JSON",
        help="run nothing: print the report of a saved results file (and with "
        "--write-docs write the docs page from it, with its original command)",
    )
    p.add_argument(
        "--write-docs",
        action="store_true",
        help=f"write docs/{docs_page} with the tables, machine and command",
    )
    p.add_argument(
        "--docs-path", type=Path, default=REPO / "docs" / docs_page, help=argparse.SUPPRESS
    )
    return p


def finish(p: argparse.ArgumentParser, argv=None, at_least_one=()) -> argparse.Namespace:
    """Parse ``argv`` and check it; options this entry point left out get
    the value the shared harness expects.  ``at_least_one``: more options
    (by dest) that must be >= 1."""
    args = p.parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    defaults = {
        "releases": 1,
        "reuse_data": False,
        "reinstall": False,
        "cheeseshop_install": "current",
        "max_urls": 1000,
    }
    for dest, value in defaults.items():
        if not hasattr(args, dest):
            setattr(args, dest, value)
    # `cheeseshop serve` starts one worker per core unless told: the
    # benchmarks say how many they measure.
    if "--workers" not in shlex.split(args.cheeseshop_serve_args):
        args.cheeseshop_serve_args = (
            f"--workers {args.serve_workers} {args.cheeseshop_serve_args}".strip()
        )
    for dest in ("projects", "releases", "rounds", *at_least_one):
        if getattr(args, dest) < 1:
            p.error(f"--{dest.replace('_', '-')} must be >= 1")
    return args


def command_line(script: str, argv) -> str:
    """How the entry point was invoked, for the docs page."""
    given = sys.argv[1:] if argv is None else argv
    return f"python3 benchmarks/{script}" + (" " + shlex.join(given) if given else "")


def entry_point(script: str, parse_args, bench, argv=None) -> int:
    """``parse_args(argv)``, then ``bench.render(args)`` (``--render``) or
    ``bench.run(args, command)`` (a ``session.Bench``); the exit status.
    Every server is stopped on Ctrl-C."""
    try:
        args = parse_args(argv)
        if args.render:
            return bench.render(args)
        return bench.run(args, command_line(script, argv))
    except KeyboardInterrupt:
        kill_all()
        return 130

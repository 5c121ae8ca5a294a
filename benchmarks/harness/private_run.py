"""One run of ``private_index.py``: load cheeseshop (and pypiserver), start
each again in its private mode on the same data beside the public one,
measure the reads of every mode interleaved, then what authenticating an
upload costs; print the report, save the results JSON, and (--write-docs)
write the docs page.  Also ``render``: the report of a saved results file."""

from __future__ import annotations

import datetime
import json
import shutil
import sys
import traceback

from .console import BenchError, log
from .corpus import make_corpus
from .http_client import basic_auth, fetch
from .loading import load_server
from .machine import machine_info
from .paths import REPO
from .private_report import print_private_report, write_private_docs
from .private_servers import (
    TOKEN_USER,
    InstalledCheeseshop,
    ReadMode,
    create_token,
    own_dirs,
    password_headers,
    private_cheeseshop,
    private_pypiserver,
    source_checkout,
    token_headers,
)
from .processes import kill_all, kill_all_on_exit
from .reads import measure_reads, plan_reads
from .servers import USER, Cheeseshop, PyPIServer
from .upload_auth import upload_auth_test


def render(args) -> int:
    results = json.loads(args.render.read_text())
    print_private_report(results)
    if args.write_docs:
        write_private_docs(args.docs_path, results, results["_meta"]["command"])
        print(f"wrote {args.docs_path}")
    return 0


def _check_private(srv) -> str:
    """A private server must refuse an anonymous read: its answer, or an error."""
    r = fetch("GET", srv.base + srv.simple_root())
    if r.status != 401:
        raise BenchError(f"{srv.name}: an anonymous read of {srv.simple_root()} got {r.status}")
    return f"anonymous GET {srv.simple_root()} -> 401"


def _start_modes(kind, srv, args, cdir, manifest, results):
    """Install and load the public server, start its private twin:
    (private server, its read modes, an upload token or None)."""
    load = results["load"].setdefault(srv.name, {})
    srv.install()
    results["versions"][kind] = srv.versions()
    load_server(srv, cdir, manifest, args, results["load"])
    if kind == "cheeseshop":
        read_token = create_token(srv, read_only=True)
        upload_token = create_token(srv, read_only=False)
        private = private_cheeseshop(srv)
        private.start()
        load["private_check"] = _check_private(private)
        return (
            private,
            [
                ReadMode("cheeseshop-public", "public, anonymous", srv, {}),
                ReadMode(
                    "cheeseshop-token",
                    "private, read-only token",
                    private,
                    token_headers(read_token),
                ),
                ReadMode(
                    "cheeseshop-password", "private, password", private, password_headers(private)
                ),
            ],
            upload_token,
        )
    private = private_pypiserver(srv)
    private.start()
    load["private_check"] = _check_private(private)
    modes = [
        ReadMode("pypiserver-public", "public, anonymous", srv, {}),
        ReadMode("pypiserver-private", "private, password", private, password_headers(private)),
    ]
    return private, modes, None


def run_private(args, command: str) -> int:
    if shutil.which("wrk") is None:
        print("error: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if not sys.platform.startswith("linux"):
        print("error: needs Linux (/proc for CPU and memory figures)", file=sys.stderr)
        return 2
    kill_all_on_exit()
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now()
    results: dict = {
        "_meta": {
            "date": started.strftime("%Y-%m-%d %H:%M"),
            "projects": args.projects,
            "releases": args.releases,
            "files": args.projects * args.releases,
            "duration": args.duration,
            "warmup": args.warmup,
            "connections": args.connections,
            "rounds": args.rounds,
            "wrk_threads": args.wrk_threads,
            "upload_threads": args.upload_threads,
            "upload_requests": args.upload_requests,
            "cheeseshop_serve_args": args.cheeseshop_serve_args,
            "cheeseshop_install": args.cheeseshop_install,
            "servers": args.servers,
            "command": command,
        },
        "versions": {},
        "load": {},
        "reads": {},
        "errors": [],
    }
    running = []
    failed = False
    try:
        cdir, manifest = make_corpus(work, args.projects, args.releases)
        cls = InstalledCheeseshop if args.cheeseshop_install == "current" else Cheeseshop
        cs = own_dirs(cls(args, work))
        # The revision measured: the checkout the installed cheeseshop imports
        # (it may be another than this one), read before any server starts.
        cs.install()
        checkout = source_checkout(cs)
        results["_meta"]["cheeseshop_source"] = str(checkout) if checkout else "?"
        results["_meta"]["machine"] = machine_info(results, checkout or REPO)
        modes = []
        private_cs = upload_token = None
        for kind, srv in (("cheeseshop", cs), ("pypiserver", own_dirs(PyPIServer(args, work)))):
            if kind not in args.servers:
                continue
            running.append(srv)
            try:
                private, server_modes, token = _start_modes(
                    kind, srv, args, cdir, manifest, results
                )
            except Exception as e:
                if kind == "cheeseshop":
                    raise
                failed = True
                msg = str(e) if isinstance(e, BenchError) else traceback.format_exc()
                results["errors"].append(f"{kind}: {msg.splitlines()[0]}")
                log(f"{kind}: ERROR: {msg}")
                continue
            running.append(private)
            if kind == "cheeseshop":
                private_cs, upload_token = private, token
            modes += server_modes

        planned = []
        for mode in modes:
            try:
                plan_reads(mode, manifest, args, results["reads"])
                planned.append(mode)
            except BenchError as e:
                failed = True
                results["errors"].append(f"{mode.name}: {str(e).splitlines()[0]}")
                log(f"{mode.name}: ERROR: {e}")
        measure_reads(planned, args, results["reads"])
        for mode in planned:
            results["reads"][mode.name]["label"] = mode.label

        creds = {
            "token": basic_auth(TOKEN_USER, upload_token),
            "password": basic_auth(USER, private_cs.password),
        }
        results["upload_auth"] = upload_auth_test(private_cs, creds, args)
    except KeyboardInterrupt:
        log("interrupted; stopping servers")
        kill_all()
        return 130
    except BenchError as e:
        log(f"ERROR: {e}")
        return 1
    finally:
        for srv in running:
            srv.stop()
        kill_all()
    results["_meta"]["minutes"] = (datetime.datetime.now() - started).total_seconds() / 60

    print()
    print_private_report(results)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    rpath = work / "results" / f"private-{stamp}.json"
    rpath.parent.mkdir(parents=True, exist_ok=True)
    rpath.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nraw results: {rpath}")
    if args.write_docs:
        write_private_docs(args.docs_path, results, command)
        print(f"wrote {args.docs_path}")
    return 1 if failed or results["errors"] else 0

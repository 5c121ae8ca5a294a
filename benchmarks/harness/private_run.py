"""One run of ``private_index.py``: load cheeseshop (and pypiserver), start
each again in its private mode on the same data beside the public one,
measure the reads of every mode interleaved, then what authenticating an
upload costs; print the report, save the results JSON, and (--write-docs)
write the docs page.  ``BENCH``: this run, as ``session.Bench`` frames it."""

from __future__ import annotations

import traceback

from . import session
from .console import BenchError, log
from .corpus import make_corpus
from .http_client import basic_auth, fetch
from .installed_cheeseshop import cheeseshop_class
from .loading import load_server
from .private_report import print_private_report, write_private_docs
from .private_servers import (
    TOKEN_USER,
    ReadMode,
    create_token,
    own_dirs,
    password_headers,
    private_cheeseshop,
    private_pypiserver,
    token_headers,
)
from .reads import measure_reads, plan_reads
from .servers import USER, PyPIServer
from .upload_auth import upload_auth_test


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


def _measure(args, results: dict, running: list) -> None:
    cdir, manifest = make_corpus(args.work_dir, args.projects, args.releases)
    cs = own_dirs(cheeseshop_class(args)(args, args.work_dir))
    cs.install()
    session.record_source(results, cs)
    modes = []
    private_cs = upload_token = None
    for kind, srv in (
        ("cheeseshop", cs),
        ("pypiserver", own_dirs(PyPIServer(args, args.work_dir))),
    ):
        if kind not in args.servers:
            continue
        running.append(srv)
        try:
            private, server_modes, token = _start_modes(kind, srv, args, cdir, manifest, results)
        except Exception as e:
            if kind == "cheeseshop":
                raise
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
            results["errors"].append(f"{mode.name}: {str(e).splitlines()[0]}")
            log(f"{mode.name}: ERROR: {e}")
    measure_reads(planned, args, results["reads"])

    creds = {
        "token": basic_auth(TOKEN_USER, upload_token),
        "password": basic_auth(USER, private_cs.password),
    }
    results["upload_auth"] = upload_auth_test(private_cs, creds, args)


BENCH = session.Bench(
    "private",
    _measure,
    print_private_report,
    write_private_docs,
    meta_keys=("upload_requests", "servers"),
)

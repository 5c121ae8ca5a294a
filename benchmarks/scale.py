"""Cost that does not grow with the index: the same reads and uploads on an
index of 1,000 projects and on one of 100,000 (500,000 files), in the same
run, interleaved, on SQLite + a folder or (``--backend pg-s3``) PostgreSQL +
S3 (moto's server over HTTP, see ``harness/scale_backends.py``).

Both indexes are filled by ``fill_corpus.py`` and hold
the same ``--measured`` projects (``scalebench-NNNN``: 2 versions, a wheel
and an sdist each); the rows read only those. Each index is served by
``cheeseshop serve --workers 1`` (this tree's code: run this script with a
Python whose ``cheeseshop`` is this tree, e.g. a venv with ``pip install -e``).
Rows: the simple project page (HTML, JSON), the JSON API, the web project
page and a download, with wrk (``harness/reads.py``); uploads through
``/legacy/``; and ``/simple/`` streamed whole at each size (first byte,
whole list, the server's peak RSS). Each row's figure at the large size
is given as a fraction of the small one's.

    python3 benchmarks/scale.py [--backend folder|pg-s3] [--projects 100000 --files 500000] [--write-docs]

SQLite + folder indexes are kept in ``--work`` and reused by a later run of
the same sizes (``--refill`` makes them again); PostgreSQL + S3 ones are
made afresh (moto keeps its objects in memory). Each backend's figures go to
``--work``/``results-<backend>.json``; ``--write-docs`` writes the page from
the latest of each.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))
sys.path.insert(0, str(BENCHMARKS.parent / "src"))

from harness.console import BenchError, log  # noqa: E402
from harness.corpus_shape import release_of  # noqa: E402
from harness.machine import machine_info  # noqa: E402
from harness.paths import DEFAULT_WORK, REPO  # noqa: E402
from harness.processes import kill_all_on_exit  # noqa: E402
from harness.reads import ENDPOINTS, measure_reads, plan_reads  # noqa: E402
from harness.scale_backends import BACKENDS  # noqa: E402
from harness.scale_cache import study  # noqa: E402
from harness.scale_measure import stream_root, upload_rounds  # noqa: E402
from harness.scale_report import results_path, write_scale_docs  # noqa: E402
from harness.servers import Cheeseshop  # noqa: E402
from harness.wrk import write_lua  # noqa: E402

READ_ROWS = [(key, label) for key, label in ENDPOINTS if key != "simple_root"] + [
    ("project_web", "/project/<p>/ (web page)")
]


class SizedIndex(Cheeseshop):
    """``cheeseshop serve`` of an index filled beforehand."""

    def __init__(self, args, work, name, index: dict):
        self.name = name
        super().__init__(args, work)
        self.venv = Path(sys.prefix)
        self.data = Path(index["folder"])
        self.index_args = index["config_args"]
        self.logfile = work / "logs" / f"{args.backend}-{name}.log"
        self.password_file = self.data / "bench-password"
        if self.password_file.exists():
            self.password = self.password_file.read_text().strip()

    def config_args(self):
        return self.index_args

    def ready_path(self):
        # Not /simple/: the probe would put the root list in the page cache
        # before the measurement of its first, streamed, GET.
        return "/pypi/scalebench-0000/json"

    def after_start(self):
        # The upload user is made once per index (a reused index has it).
        if not self.password_file.exists():
            super().after_start()
            self.password_file.write_text(self.password)


def manifest_of(measured: int) -> list[dict]:
    """The measured projects' files, as ``harness.reads`` checks them."""
    import fill_corpus

    entries = []
    for project in fill_corpus.measured_projects(measured):
        for index in range(project.versions):
            _, distributions = release_of(project, index)
            entries += [{"name": project.name, "filename": d.filename} for d in distributions]
    return entries


def plan_web_pages(server, args) -> None:
    import fill_corpus

    paths = [f"/project/{p.name}/" for p in fill_corpus.measured_projects(args.measured)]
    lua = args.work_dir / "lua" / server.name / "project_web.lua"
    write_lua(lua, paths[: args.max_urls], {"Accept": "text/html"})
    server.plans["project_web"] = (lua, min(len(paths), args.max_urls))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=sorted(BACKENDS), default="folder")
    parser.add_argument("--small-projects", type=int, default=1000)
    parser.add_argument("--small-files", type=int, default=5000)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=500_000)
    parser.add_argument("--measured", type=int, default=200)
    parser.add_argument("--fill-threads", type=int, default=64)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK / "scale")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--wrk-timeout", type=float, default=10.0)
    parser.add_argument(
        "--uploads", type=int, default=240, help="new projects uploaded to each index"
    )
    parser.add_argument("--start-timeout", type=float, default=120.0)
    parser.add_argument(
        "--cache-study",
        choices=("none", "quick", "all"),
        default="quick",
        help="the page cache's hit ratio in-process: the measured pages and a Zipf stream"
        " (quick), and every project's page in turn (all: minutes at 100k)",
    )
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--docs-path", type=Path, default=REPO / "docs" / "benchmarks-scale.rst")
    args = parser.parse_args(argv)
    args.work_dir = args.work
    args.max_urls = args.measured
    args.cheeseshop_serve_args = "--workers 1"
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    kill_all_on_exit()
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed")
    if not (Path(sys.prefix) / "bin" / "cheeseshop").exists():
        raise BenchError(f"no cheeseshop command in {sys.prefix}: run with its venv's python")
    sizes = [
        (_label(args.small_projects), args.small_projects, args.small_files),
        (_label(args.projects), args.projects, args.files),
    ]
    results = {
        "_meta": {
            "machine": machine_info({}),
            "date": _now(),
            "argv": sys.argv[1:],
            "backend": args.backend,
            "backend_label": BACKENDS[args.backend].label,
            "settings": {
                k: getattr(args, k)
                for k in ("rounds", "duration", "warmup", "connections", "wrk_threads")
                + ("uploads", "measured")
            },
        }
    }
    servers = []
    indexes = BACKENDS[args.backend](args.work)
    try:
        for name, projects, files in sizes:
            results.setdefault("fills", {})[name] = made = indexes.make(
                name, projects, files, args.measured, args.fill_threads, args.refill
            )
            servers.append(SizedIndex(args, args.work, name, made))
        _measure(servers, args, results)
        for server in servers:
            server.stop()
        if args.cache_study != "none":
            kinds = ["measured", "zipf"] + (["all"] if args.cache_study == "all" else [])
            results["cache_study"] = {}
            for name, made in results["fills"].items():
                log(f"{name}: the page cache under {', '.join(kinds)} (in-process)")
                results["cache_study"][name] = study(made["config_args"], kinds, args.measured)
    finally:
        for server in servers:
            server.stop()
        indexes.close()
    out = results_path(args.work, args.backend)
    out.write_text(json.dumps(results, indent=1, default=str))
    log(f"results in {out}")
    if args.write_docs:
        write_scale_docs(args.docs_path, args.work)
        log(f"wrote {args.docs_path}")
    return 0


def _measure(servers, args, results) -> None:
    manifest = manifest_of(args.measured)
    for server in servers:
        server.start()
        server.after_start()
    for server in servers:
        results[server.name] = {"root": stream_root(server)}
        root = results[server.name]["root"]
        log(
            f"{server.name:6s} /simple/ first byte {root['first_byte_ms']:.0f} ms, whole "
            f"{root['whole_s']:.2f} s, {root['bytes'] / 2**20:.1f} MiB, "
            f"RSS +{root['growth_kb'] / 1024:.0f} MiB"
        )
        plan_reads(
            server, manifest, args, results, keys=[k for k, _ in READ_ROWS], check_root=False
        )
        plan_web_pages(server, args)
    measure_reads(servers, args, results, endpoints=READ_ROWS)
    uploads = upload_rounds(servers, args.work, args.uploads, args.rounds)
    for server in servers:
        results[server.name]["endpoints"]["upload"] = uploads[server.name]


def _label(projects: int) -> str:
    return f"{projects // 1000}k" if projects % 1000 == 0 else str(projects)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        log(f"ERROR: {exc}")
        sys.exit(1)

"""Does a read's cost grow with the index, and does the page cache hold
what is read? One index's WSGI app in this process (no HTTP, no waitress),
a list of ``/simple/<p>/`` URLs replayed through it, and per request: the
CPU time, and the page cache's hits and misses (``get`` finding the page
or not), optionally under cProfile.

Two URL sets, the same recipe at every index size:

- ``measured``: what ``scale.py``'s rows cycle over, the measured projects
  ``scalebench-NNNN`` (the same pages at every size).
- ``zipf``: requests drawn from every project of the index with a Zipf
  law over a seeded random ranking (the project of rank r with weight
  1/r^s), as a public index's reads are skewed to a few popular projects:
  at 100k projects the tail a worker must hold is larger, as it would be.
  Warmed by one stream of draws, measured on another (new draws of the
  same popularity).
- ``all``: every project's page in turn (a benchmark that cycles over the
  whole index: at 100k, more than the cache holds).

    cd benchmarks && python3 -m harness.scale_cache --data DIR [--urls zipf] [--profile OUT]
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import dataclasses
import itertools
import json
import pstats
import random
import sys
import time

ZIPF_S = 1.0


def zipf_paths(
    names: list[str], count: int, s: float = ZIPF_S, seed: int = 7, draw: int = 0
) -> list[str]:
    """``count`` project page paths drawn from ``names`` with weight 1/rank^s,
    the ranking a shuffle by ``seed`` (popularity has nothing to do with
    size), the draws by ``draw``: another ``draw`` is another stream of
    requests to the same popular projects."""
    ranked = sorted(names)
    random.Random(seed).shuffle(ranked)
    cumulative = list(itertools.accumulate(1 / (r**s) for r in range(1, len(ranked) + 1)))
    total = cumulative[-1]
    rng = random.Random(f"{seed}-{draw}")
    return [
        f"/simple/{ranked[bisect.bisect_left(cumulative, rng.random() * total)]}/"
        for _ in range(count)
    ]


def study(config_args: list[str], kinds, measured: int, requests: int = 20000) -> dict:
    """``main`` in a process of its own (this Python) for each URL set in
    ``kinds`` on the index ``config_args`` names: its figures by kind."""
    import subprocess
    from pathlib import Path

    figures = {}
    for kind in kinds:
        done = subprocess.run(
            [sys.executable, "-m", "harness.scale_cache", *config_args, "--urls", kind]
            + ["--measured", str(measured), "--requests", str(requests), "--passes", "2"]
            + ["--json"],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            check=True,
        )
        figures[kind] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measured_paths(count: int) -> list[str]:
    return [f"/simple/scalebench-{i:04d}/" for i in range(count)]


class CountingCache:
    """Counts a page cache's lookups, found or not."""

    def __init__(self, cache):
        self.hits = self.misses = 0
        get = cache.get

        def counted(key):
            page = get(key)
            if page is None:
                self.misses += 1
            else:
                self.hits += 1
            return page

        cache.get = counted

    @property
    def ratio(self) -> float:
        looked = self.hits + self.misses
        return self.hits / looked if looked else float("nan")


def replay(app, paths, passes: int = 2, profile=None, warm=None) -> dict:
    """Every path GET (text/html) ``passes`` times, the first pass to warm
    up (not counted; ``warm``'s paths instead when given), the others
    measured."""
    import webtest

    client = webtest.TestApp(app)
    registry = app.registry if hasattr(app, "registry") else app.app.registry  # AccessLog
    headers = {"Accept": "text/html"}
    for path in warm if warm is not None else paths:
        client.get(path, headers=headers)
    counting = CountingCache(registry["page_cache"])
    profiler = cProfile.Profile() if profile else None
    started_cpu, started = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(passes - 1):
        for path in paths:
            client.get(path, headers=headers)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    requests = len(paths) * (passes - 1)
    cache = registry["page_cache"]
    return {
        "requests": requests,
        "distinct": len(set(paths)),
        "cpu_us_per_request": (time.process_time() - started_cpu) * 1e6 / requests,
        "wall_us_per_request": (time.perf_counter() - started) * 1e6 / requests,
        "hit_ratio": counting.ratio,
        "cache_mib": cache._bytes / 2**20,
        "cache_pages": len(cache),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data")
    where.add_argument("-c", "--config")
    parser.add_argument("--urls", choices=("measured", "zipf", "all"), default="measured")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--measured", type=int, default=200)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--cache-mib", type=int, help="page cache size (default: the setting's)")
    parser.add_argument("--profile", help="cProfile output file")
    parser.add_argument("--json", action="store_true", help="the figures as one JSON line")
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from cheeseshop.app import make_app
    from cheeseshop.cli.context import load_settings
    from cheeseshop.db.engines import get_engine
    from cheeseshop.models.catalog import PROJECTS

    settings = load_settings(args.config, args.data)
    if args.cache_mib:
        settings = dataclasses.replace(settings, page_cache_bytes=args.cache_mib * 2**20)
    warm = None
    if args.urls == "zipf":
        engine = get_engine(settings)
        with engine.connect() as connection:
            names = list(connection.scalars(select(PROJECTS.c.normalized_name)))
        engine.dispose()
        paths = zipf_paths(names, args.requests, draw=1)
        warm = zipf_paths(names, args.requests, draw=0)
    elif args.urls == "all":
        engine = get_engine(settings)
        with engine.connect() as connection:
            names = list(connection.scalars(select(PROJECTS.c.normalized_name)))
        engine.dispose()
        paths = [f"/simple/{name}/" for name in sorted(names)]
    else:
        paths = list(
            itertools.islice(itertools.cycle(measured_paths(args.measured)), args.requests)
        )
    figures = replay(make_app(settings), paths, args.passes, args.profile, warm)
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            " ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
            )
        )
    if args.profile:
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "src"))
    sys.exit(main())

"""The stack's ceiling as one more server of a run: ``ceiling_app.py`` (a
minimal Pyramid app, one route, a fixed body) run by the measured
cheeseshop's Python with the waitress options ``cheeseshop serve`` uses,
answering every ``/simple/<p>/`` with the bytes of one of cheeseshop's
simple pages.  Its one read row, ``ceiling``, cycles over the corpus's
project URLs like the per-project rows."""

from __future__ import annotations

import json
from pathlib import Path

from .console import BenchError
from .http_client import fetch, normalize
from .memory import tree_mem
from .processes import run
from .servers import Cheeseshop, Server
from .wrk import write_lua

APP = Path(__file__).resolve().parent / "ceiling_app.py"
ROW = ("ceiling", "the stack's ceiling")


def serve_options(cheeseshop: Cheeseshop) -> dict:
    """waitress's options as ``cheeseshop serve`` sets them, asked of the
    cheeseshop measured in a process of their own (importing cheeseshop
    into the ceiling app would add its memory to the ceiling's)."""
    code = (
        "import json, importlib; serve = importlib.import_module('cheeseshop.cli.serve'); "
        "print(json.dumps(serve.SLOW_CLIENT_LIMITS))"
    )
    limits = json.loads(run([cheeseshop.bin("python"), "-c", code], env=cheeseshop.env()).stdout)
    # serve's default threads (8) and its ident; max_request_body_size only
    # bounds request bodies, and these reads have none.
    return {"threads": 8, "ident": "cheeseshop", **limits}


class Ceiling(Server):
    """The minimal app, run by cheeseshop's Python (same pyramid, waitress)."""

    name = "ceiling"

    def __init__(self, args, work, cheeseshop: Cheeseshop, body: Path, content_type, options):
        super().__init__(args, work)
        self.cheeseshop = cheeseshop
        self.body, self.content_type, self.options = body, content_type, options

    def ready_path(self):
        return "/simple/ready/"

    def env(self):
        return self.cheeseshop.env()

    def versions(self):
        return {}

    def command(self):
        return [
            self.cheeseshop.bin("python"),
            str(APP),
            str(self.port),
            str(self.body),
            self.content_type,
            json.dumps(self.options),
        ]


def start_ceiling(cs: Cheeseshop, manifest: list[dict], args, results: dict) -> Ceiling:
    """Start the ceiling beside the running ``cs`` with the body of its first
    project's simple page, its read row planned; ``results["ceiling"]``
    gets the body's size and type, waitress's options and the RSS after
    start."""
    projects = sorted({normalize(e["name"]) for e in manifest})[: args.max_urls]
    first = cs.simple_project(projects[0])
    page = fetch("GET", cs.base + first, headers=cs.read_headers)
    if page.status != 200:
        raise BenchError(f"{cs.name}: {first} -> HTTP {page.status}")
    work = args.work_dir
    body = work / "ceiling-body.html"
    body.write_bytes(page.body)
    content_type = page.headers.get("content-type") or page.content_type
    ceiling = Ceiling(args, work, cs, body, content_type, serve_options(cs))
    res = results.setdefault(ceiling.name, {})
    res.update(
        body_bytes=len(page.body),
        body_content_type=content_type,
        waitress_options=ceiling.options,
        endpoints={},
    )
    ceiling.start()
    res["rss_idle_kb"] = tree_mem(ceiling.proc.pid)["rss_kb"]
    lua = work / "lua" / ceiling.name / "ceiling.lua"
    lua.parent.mkdir(parents=True, exist_ok=True)
    paths = [f"/simple/{p}/" for p in projects]
    write_lua(lua, paths, {})
    ceiling.plans = {ROW[0]: (lua, len(paths))}
    return ceiling

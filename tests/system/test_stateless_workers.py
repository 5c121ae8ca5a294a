"""Stateless workers: two ``cheeseshop -c INI serve`` processes on one
PostgreSQL database and one S3 bucket take uploads at the same time, and
both then serve everything, with serials that tell a consistent story.

The uploads are spread over both servers and run concurrently, new projects
included (so two servers may race to create the same project); readers poll
the simple pages while they happen, as mirrors and installers would, so the
page caches of each worker fill while the index changes.
"""

from __future__ import annotations

import collections
import concurrent.futures
import email.message
import hashlib
import json
import random
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.system.distfiles import MultipartUpload, make_wheel

PROJECTS = 10
VERSIONS = 4  # 40 wheels
UPLOAD_THREADS = 8
#: Every upload must succeed at its first try, even when two race to create
#: one project on two servers (one creates it, the other joins it).
TRIES = 1


def fetch(url: str, accept: str | None = None) -> tuple[int, email.message.Message, bytes]:
    request = urllib.request.Request(url)
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


class Readers:
    """Threads fetching /simple/ and the project pages of both servers
    until stopped; they record every 5xx."""

    def __init__(self, servers, names):
        self.servers, self.names = servers, names
        self.stopping = threading.Event()
        self.errors: list[str] = []
        self.requests = 0
        self.threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(2)
        ]

    def _run(self, seed):
        rng = random.Random(seed)
        while not self.stopping.is_set():
            server = rng.choice(self.servers)
            path = rng.choice(["/simple/", "/simple/", f"/simple/{rng.choice(self.names)}/"])
            accept = rng.choice([None, "application/vnd.pypi.simple.v1+json"])
            status, _, body = fetch(server.url + path, accept)
            self.requests += 1
            if status >= 500:
                self.errors.append(f"GET {server.url}{path} -> {status}: {body[:300]!r}")
            time.sleep(0.01)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(60)


def upload_all(jobs, threads=UPLOAD_THREADS):
    """Upload every (server, wheel, user), ``threads`` at a time; per upload
    the list of (server url, status, text) of each try."""
    attempts: dict[str, list[tuple[str, int, str]]] = collections.defaultdict(list)

    def upload(server, wheel, user):
        for _ in range(TRIES):
            status, text = MultipartUpload(wheel, user.name, user.password).send(
                server.url, timeout=120
            )
            attempts[wheel.filename].append((server.url, status, text.strip()))
            if status != 409:
                return
            time.sleep(0.1)

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(upload, *job) for job in jobs]:
            future.result()
    return attempts


@pytest.mark.parametrize("workers", [1, 2], ids=["1-worker-each", "2-workers-each"])
def test_two_servers_share_one_database_and_bucket(workers, public_index, start_server, tmp_path):
    store = public_index()
    servers = [start_server(store, serve_args=["--workers", workers]) for _ in range(2)]
    user = servers[0].add_user()

    names = [f"cs-stateless-{i}" for i in range(PROJECTS)]  # a fresh index: no clashes
    wheels = [
        make_wheel(tmp_path / "wheels", name, f"1.{v}") for name in names for v in range(VERSIONS)
    ]
    # in project order, alternating servers: the versions of a new project
    # go out together, to both servers, and race to create it
    jobs = [(servers[i % 2], wheel, user) for i, wheel in enumerate(wheels)]

    with Readers(servers, names) as readers:
        attempts = upload_all(jobs)

    assert not readers.errors, "reads answered with a 5xx:\n" + "\n".join(readers.errors)
    print(f"\n{len(wheels)} uploads; {readers.requests} reads meanwhile")
    check_uploads(servers, attempts, wheels, names, VERSIONS, store.database.query)


def check_uploads(servers, attempts, wheels, names, versions, query):
    """Every upload succeeded at its first try; every server lists and serves
    every file; the journal lost no serial. ``query(sql)`` reads the database."""
    # -- every upload succeeded at once, none with a 5xx
    server_errors = [
        f"{filename} -> {url}: {status} {text}"
        for filename, tries in attempts.items()
        for url, status, text in tries
        if status >= 500
    ]
    assert not server_errors, "uploads answered with a 5xx:\n" + "\n".join(server_errors)
    failed = {f: tries for f, tries in attempts.items() if tries[-1][1] != 200}
    assert not failed, f"uploads that did not succeed in {TRIES} tries: {failed}"

    # -- both servers list every project, and every file with its hash ...
    by_name = collections.defaultdict(dict)
    for wheel in wheels:
        by_name[wheel.name][wheel.filename] = wheel
    for server in servers:
        status, _, body = fetch(server.simple_url, "application/vnd.pypi.simple.v1+json")
        assert status == 200
        listed = {p["name"] for p in json.loads(body)["projects"]}
        missing = set(names) - listed
        assert not missing, (
            f"{server.url}/simple/ does not list {sorted(missing)} (lists {sorted(listed)})"
        )
        for name, expected in by_name.items():
            status, headers, body = fetch(
                f"{server.url}/simple/{name}/", "application/vnd.pypi.simple.v1+json"
            )
            assert status == 200, f"{server.url}/simple/{name}/ -> {status}: {body[:300]!r}"
            files = {f["filename"]: f for f in json.loads(body)["files"]}
            assert set(files) == set(expected), f"{server.url}/simple/{name}/ lists {sorted(files)}"
            for filename, wheel in expected.items():
                assert files[filename]["hashes"]["sha256"] == wheel.sha256
            # ... and serves each from either server, byte for byte
            for filename, wheel in expected.items():
                status, _, data = fetch(server.url + wheel.download_path)
                assert status == 200, f"GET {server.url}{wheel.download_path} -> {status}"
                assert hashlib.sha256(data).hexdigest() == wheel.sha256, (
                    f"{filename} from {server.url}"
                )

    # -- serials: one journal, unique ids, each project's last_serial its newest entry
    ids = [row[0] for row in query("SELECT id FROM journal_entries ORDER BY id")]
    assert len(ids) == len(set(ids)), "journal ids repeat"
    entries = collections.Counter(row[0] for row in query("SELECT name FROM journal_entries"))
    projects = {
        row[0]: (row[1], row[2])
        for row in query(
            "SELECT name, last_serial, (SELECT max(id) FROM journal_entries j WHERE j.name = p.name) FROM projects p"
        )
    }
    assert set(projects) == set(names)
    for name in names:
        last_serial, newest = projects[name]
        assert last_serial == newest, (
            f"{name}: last_serial {last_serial}, newest journal entry {newest}"
        )
        # create, add Owner, and per version: new release, add file
        assert entries[name] == 2 + 2 * versions, f"{name}: {entries[name]} journal entries"
    # every entry is one of those: no serial was taken by anything else, and
    # none was lost (a rolled-back upload takes none, PostgreSQL's sequence
    # caches none): the ids are 1..N without gaps
    assert sum(entries.values()) == len(ids) == len(names) * (2 + 2 * versions)
    assert ids == list(range(ids[0], ids[0] + len(ids))), f"gaps in the journal ids: {ids}"

    # -- and each server's pages carry the database's serials
    for server in servers:
        for name in names:
            status, headers, _ = fetch(f"{server.url}/simple/{name}/")
            assert status == 200
            assert int(headers["X-PyPI-Last-Serial"]) == projects[name][0], (server.url, name)
        status, headers, _ = fetch(server.simple_url)
        assert int(headers["X-PyPI-Last-Serial"]) == max(ids), server.url

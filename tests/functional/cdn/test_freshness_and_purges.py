"""Pages are revalidated by clients every time and carry the keys a CDN
purges by; each commit that changes a project purges its keys through the
configured purger (a loopback HTTP endpoint stands in for Varnish's, Fastly's
and Cloudflare's), from a request or from the command line."""

import http.server
import json
import threading
import time

import pytest
import webtest
from click.testing import CliRunner

from cheeseshop.app import main
from cheeseshop.cli import main as cli_main
from tests.factories import PASSWORD, upload

ALICE = ("alice", PASSWORD)


class Endpoint:
    """A loopback HTTP server that records what it is sent."""

    def __init__(self, status=200):
        self.received = []
        self.status = status
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                endpoint.received.append((self.command, self.path, dict(self.headers), body))
                self.send_response(endpoint.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_BAN = do_POST = do_PURGE = _any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    server = Endpoint()
    yield server
    server.stop()


@pytest.fixture
def make_index(settings):
    apps = []

    def make(**extra):
        app = main({}, **{**settings, **extra})
        apps.append(app)
        return webtest.TestApp(app)

    yield make
    for app in apps:
        for name in ("db_engine", "db_read_engine"):
            app.registry[name].dispose()


def test_pages_are_revalidated_every_time_and_carry_their_keys(make_index, alice):
    index = make_index()
    upload(index, ALICE, "Demo.Pkg", "1.0")
    project = index.get("/simple/demo-pkg/")
    assert project.headers["Cache-Control"] == "max-age=0, must-revalidate, public"
    assert project.headers["Surrogate-Key"] == "project-demo-pkg"
    assert project.headers["Cache-Tag"] == "project-demo-pkg"
    assert index.get("/pypi/demo-pkg/json").headers["Surrogate-Key"] == "project-demo-pkg"
    assert index.get("/pypi/demo-pkg/1.0/json").headers["Surrogate-Key"] == "project-demo-pkg"
    root = index.get("/simple/")
    assert root.headers["Surrogate-Key"] == "index"
    not_modified = index.get(
        "/simple/demo-pkg/", headers={"If-None-Match": project.headers["ETag"]}, status=304
    )
    assert not_modified.headers["Surrogate-Key"] == "project-demo-pkg"
    assert not_modified.headers["Cache-Control"] == project.headers["Cache-Control"]
    # A publish is seen by the very next read: no minute-long client cache.
    upload(index, ALICE, "Demo.Pkg", "1.1")
    index.get("/simple/demo-pkg/", headers={"If-None-Match": project.headers["ETag"]}, status=200)


def test_a_cdn_may_keep_public_pages_for_s_maxage(make_index, alice):
    index = make_index(**{"cheeseshop.cdn.s_maxage": "3600"})
    upload(index, ALICE, "demo", "1.0")
    cache_control = index.get("/simple/demo/").headers["Cache-Control"]
    assert cache_control == "max-age=0, must-revalidate, public, s-maxage=3600"


def test_a_private_index_never_lets_a_cdn_keep_pages(make_index, alice):
    index = make_index(
        **{"cheeseshop.cdn.s_maxage": "3600", "cheeseshop.read_access": "authenticated"}
    )
    upload(index, ALICE, "demo", "1.0")
    index.authorization = ("Basic", ALICE)
    assert index.get("/simple/demo/").headers["Cache-Control"] == (
        "max-age=0, must-revalidate, private"
    )


def test_an_upload_purges_its_project_and_the_index_once_committed(make_index, alice, endpoint):
    index = make_index(
        **{
            "cheeseshop.purge": "varnish",
            "cheeseshop.purge.url": endpoint.url,
            "cheeseshop.purge.repeat_after": "0",
        }
    )
    upload(index, ALICE, "Demo.Pkg", "1.0")
    ((method, path, headers, _),) = endpoint.received
    assert method == "BAN"
    assert headers["X-Purge-Keys"] == "(^|[[:space:]])(index|project-demo-pkg)([[:space:]]|$)"
    # A refused upload changed nothing: no purge.
    upload(index, ("alice", "wrong"), "demo-pkg", "1.1", status=403)
    upload(index, ALICE, "demo-pkg", "1.0", status=400)
    assert len(endpoint.received) == 1


def test_commands_purge_too(settings, alice, endpoint, tmp_path, make_index):
    index = make_index()
    upload(index, ALICE, "demo", "1.0")
    ini = tmp_path / "index.ini"
    lines = ["[app:main]", "use = egg:cheeseshop", "cheeseshop.purge = varnish"]
    lines += ["cheeseshop.purge.repeat_after = 0"]
    lines += [f"cheeseshop.purge.url = {endpoint.url}"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    ini.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli_main, ["-c", str(ini), "yank", "demo", "1.0"])
    assert result.exit_code == 0, result.output
    assert [r[2]["X-Purge-Keys"] for r in endpoint.received] == [
        "(^|[[:space:]])(index|project-demo)([[:space:]]|$)"
    ]


def test_fastly_and_cloudflare_are_purged_by_their_apis(make_index, alice, endpoint):
    fastly = make_index(
        **{
            "cheeseshop.purge": "fastly",
            "cheeseshop.purge.service": "SVC1",
            "cheeseshop.purge.token": "fastly-secret",
            "cheeseshop.purge.api_url": endpoint.url,
            "cheeseshop.purge.repeat_after": "0",
        }
    )
    upload(fastly, ALICE, "demo", "1.0")
    method, path, headers, _ = endpoint.received[-1]
    assert (method, path) == ("POST", "/service/SVC1/purge")
    assert headers["Fastly-Key"] == "fastly-secret"
    assert headers["Surrogate-Key"] == "index project-demo"

    cloudflare = make_index(
        **{
            "cheeseshop.purge": "cloudflare",
            "cheeseshop.purge.service": "ZONE9",
            "cheeseshop.purge.token": "cf-secret",
            "cheeseshop.purge.api_url": endpoint.url,
            "cheeseshop.purge.repeat_after": "0",
        }
    )
    upload(cloudflare, ALICE, "demo", "1.1")
    method, path, headers, body = endpoint.received[-1]
    assert (method, path) == ("POST", "/zones/ZONE9/purge_cache")
    assert headers["Authorization"] == "Bearer cf-secret"
    assert json.loads(body) == {"tags": ["index", "project-demo"]}


def test_a_failed_purge_never_fails_the_upload(make_index, alice, caplog):
    endpoint = Endpoint(status=503)
    try:
        index = make_index(
            **{
                "cheeseshop.purge": "varnish",
                "cheeseshop.purge.url": endpoint.url,
                "cheeseshop.purge.repeat_after": "0",
            }
        )
        upload(index, ALICE, "demo", "1.0")
    finally:
        endpoint.stop()
    assert index.get("/simple/demo/").status_int == 200
    assert "could not purge index project-demo" in caplog.text
    assert "answered 503" in caplog.text


def test_a_purger_is_named_by_short_name_or_dotted_name(settings):
    from pyramid.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError, match="needs cheeseshop.purge.url"):
        main({}, **{**settings, "cheeseshop.purge": "varnish"})
    with pytest.raises(ConfigurationError, match="does not implement IPurger"):
        main({}, **{**settings, "cheeseshop.purge": "cheeseshop.cdn.http.PurgeClient"})
    with pytest.raises(ConfigurationError, match="cheeseshop.purge = no.such.Thing"):
        main({}, **{**settings, "cheeseshop.purge": "no.such.Thing"})


def test_each_purge_is_sent_again_after_a_moment(make_index, alice, endpoint):
    """A page fetched by the CDN just before the commit can reach it just
    after the first ban; the second ban drops it too."""
    index = make_index(
        **{
            "cheeseshop.purge": "varnish",
            "cheeseshop.purge.url": endpoint.url,
            "cheeseshop.purge.repeat_after": "1",
        }
    )
    upload(index, ALICE, "demo", "1.0")
    assert len(endpoint.received) == 1
    deadline = time.monotonic() + 10
    while len(endpoint.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    first, second = endpoint.received
    assert first[2]["X-Purge-Keys"] == second[2]["X-Purge-Keys"]

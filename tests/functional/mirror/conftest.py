"""An upstream index for the pull-through cache: a second cheeseshop, served
by waitress on a loopback port in a thread, reached over real HTTP."""

import shutil
import threading

import pytest
import waitress
import webtest

from cheeseshop.app import main
from tests.conftest import TOKEN_KEY
from tests.factories import PASSWORD, distribution, upload, user


class Upstream:
    """The upstream index: ``testapp`` to publish on it, ``url`` of its
    simple API, ``requests`` it has answered (method, path), ``stop()``."""

    def __init__(self, app, files_dir, session_factory):
        self.app = app
        self.files_dir = files_dir
        self.session_factory = session_factory
        self.requests = []
        self.testapp = webtest.TestApp(app)
        self.server = waitress.create_server(
            self._counting, host="127.0.0.1", port=0, threads=8, clear_untrusted_proxy_headers=True
        )
        self.url = f"http://127.0.0.1:{self.server.effective_port}/simple/"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.running = True

    def _counting(self, environ, start_response):
        self.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
        return self.app(environ, start_response)

    def fetched(self, suffix):
        return [path for method, path in self.requests if path.endswith(suffix)]

    def stop(self):
        if self.running:
            # The loop runs while it has sockets: the listener and any
            # connection a client keeps alive.
            for channel in list(self.server._map.values()):
                channel.close()
            self.server.task_dispatcher.shutdown()
            self.thread.join(5)
            assert not self.thread.is_alive()
            self.running = False


@pytest.fixture
def upstream(sqlite_template, tmp_path):
    database = tmp_path / "upstream.sqlite"
    shutil.copy(sqlite_template, database)
    files_dir = tmp_path / "upstream-files"
    files_dir.mkdir()
    app = main(
        {},
        **{
            "sqlalchemy.url": f"sqlite:///{database}",
            "cheeseshop.storage": "filesystem",
            "cheeseshop.storage.path": str(files_dir),
            "cheeseshop.token_key": TOKEN_KEY,
            "cheeseshop.access_log": "false",
        },
    )
    from sqlalchemy.orm import sessionmaker

    server = Upstream(app, files_dir, sessionmaker(bind=app.registry["db_engine"]))
    user(server.session_factory, "publisher")
    yield server
    server.stop()
    for name in ("db_engine", "db_read_engine"):
        app.registry[name].dispose()


PUBLISHER = ("publisher", PASSWORD)
JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture
def make_index(settings, upstream):
    apps = []

    def make(**extra):
        app = main({}, **{**settings, "cheeseshop.upstream": upstream.url, **extra})
        apps.append(app)
        return webtest.TestApp(app)

    yield make
    for app in apps:
        for name in ("db_engine", "db_read_engine"):
            app.registry[name].dispose()


@pytest.fixture
def index(make_index):
    return make_index()


def publish(upstream, name="requests", version="2.0", kind="wheel", **fields):
    filename, content = distribution(name, version, kind, **fields)
    upload(upstream.testapp, PUBLISHER, name, version, filename=filename, content=content, **fields)
    return filename, content


def page_json(testapp, name, **kw):
    return testapp.get(f"/simple/{name}/", headers={"Accept": JSON}, **kw).json

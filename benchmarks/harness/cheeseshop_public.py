"""cheeseshop in its public-index shape, for ``benchmarks/public_shape.py``:
PostgreSQL (a database made for the run and dropped after it) and S3 served
by moto's server over HTTP on loopback.  Needs sqlalchemy, and moto and
boto3 when it runs (unlike the rest of the harness, not standard library).

``CHEESESHOP_BENCH_POSTGRESQL`` names an admin URL (default: the test
suite's role on 127.0.0.1:5432)."""

from __future__ import annotations

import os
import secrets
import sys
import time

import sqlalchemy

from .console import BenchError
from .docs_page import write_docs
from .http_client import fetch
from .installed_cheeseshop import cheeseshop_class
from .processes import free_port, run, spawn, stop_process
from .servers import ORDER, SERVERS, Cheeseshop

ADMIN_URL = os.environ.get(
    "CHEESESHOP_BENCH_POSTGRESQL",
    "postgresql+psycopg://cheeseshop:cheeseshop@127.0.0.1:5432/cheeseshop_test",
)
AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class PublicShape:
    """Mixed into the measured cheeseshop's class (``public_cheeseshop``)."""

    name = "cheeseshop-pg-s3"
    auth_note = "HTTP Basic; PostgreSQL + S3 (moto server over HTTP)"

    def __init__(self, args, work):
        super().__init__(args, work)
        self.database = f"cheeseshop_bench_{secrets.token_hex(4)}"
        self.moto = None
        self.ini = self.data / "public.ini"

    def _admin(self):
        return sqlalchemy.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")

    def config_args(self):
        return ["-c", str(self.ini)]

    def prepare(self):
        super().prepare()
        engine = self._admin()
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
        engine.dispose()
        url = sqlalchemy.engine.make_url(ADMIN_URL).set(database=self.database)
        moto_port = free_port()
        self.moto = spawn(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
            logfile=self.work / "logs" / "moto.log",
        )
        endpoint = f"http://127.0.0.1:{moto_port}"
        self._wait_for(endpoint + "/moto-api/")
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        ).create_bucket(Bucket="bench")
        self.ini.write_text(
            "[app:main]\nuse = egg:cheeseshop\n"
            f"sqlalchemy.url = {url.render_as_string(hide_password=False)}\n"
            "cheeseshop.storage = s3\ncheeseshop.storage.bucket = bench\n"
            f"cheeseshop.storage.endpoint_url = {endpoint}\ncheeseshop.storage.region = us-east-1\n"
            "cheeseshop.storage.prefix = packages\n"
            # A config file, unlike --data, brings no key of its own.
            f"cheeseshop.token_key = {secrets.token_urlsafe(32)}\n"
        )
        run([self.bin("cheeseshop"), *self.config_args(), "db", "upgrade"], env=self.env())

    def _wait_for(self, url):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                fetch("GET", url, timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise BenchError(f"moto server did not answer at {url}")

    def env(self):
        return {**super().env(), **AWS}

    def stop(self):
        super().stop()
        if self.moto is not None:
            stop_process(self.moto)
            self.moto = None
        engine = self._admin()
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        engine.dispose()


def public_cheeseshop(args, work) -> Cheeseshop:
    """The cheeseshop ``--cheeseshop-install`` names, on PostgreSQL + S3."""
    base = cheeseshop_class(args)
    srv = type("CheeseshopPublic", (PublicShape, base), {})(args, work)
    if base is Cheeseshop:
        srv.venv = work / "venvs" / "cheeseshop"  # the same install as "cheeseshop"
    return srv


def register() -> None:
    """Make ``cheeseshop-pg-s3`` a server --servers accepts, run and reported
    right after ``cheeseshop``."""
    SERVERS[PublicShape.name] = public_cheeseshop
    ORDER.insert(1, PublicShape.name)


def write_public_docs(path, results, command):
    """compare.py's docs page, retitled and introduced for this comparison."""
    write_docs(
        path,
        results,
        command,
        title="Benchmarks: the public-index shape",
        intro=[
            "cheeseshop on PostgreSQL + S3 (moto's server over HTTP) beside cheeseshop",
            "on SQLite + a folder, measured by ``benchmarks/public_shape.py``, a front",
            "to ``benchmarks/compare.py`` (see ``benchmarks/README.md``): the same",
            "corpus, uploads and load, the reads of both measured interleaved.  The",
            "machine is small and shared, so absolute numbers are noisy: read the ratios.",
        ],
    )

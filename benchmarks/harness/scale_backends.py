"""The two shapes ``benchmarks/scale.py`` measures an index in, each able
to make a filled index of a size and say how ``cheeseshop`` finds it.

- ``folder``: SQLite + a folder, one folder per size in ``--work``,
  reused by a later run of the same sizes (``scale_indexes``).
- ``pg-s3``: PostgreSQL (a database per size, made for the run and
  dropped after it) + S3 served over HTTP by moto's server, which runs in
  this process (``ThreadedMotoServer``) so that the fill can put the bytes
  straight into its buckets (``bulk_stores.MotoStore``); being in memory,
  it is filled afresh on every run."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from .console import log
from .processes import free_port
from .scale_indexes import ensure_index

MOTO_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class FolderIndexes:
    name = "folder"
    label = "SQLite + a folder"

    def __init__(self, work: Path):
        self.work = work

    def make(self, label, projects, files, measured, threads, refill) -> dict:
        """A filled index: how its fill went, and ``config_args`` (the
        ``cheeseshop`` options naming it) and ``home`` (a folder of ours)."""
        filled = ensure_index(self.work, projects, files, measured, threads, refill)
        folder = filled["folder"]
        return {**filled, "folder": str(folder), "config_args": ["--data", str(folder)]}

    def close(self) -> None:
        pass


class PgS3Indexes:
    name = "pg-s3"
    label = "PostgreSQL + S3 (moto's server, over HTTP)"

    def __init__(self, work: Path):
        import sqlalchemy
        from moto.server import ThreadedMotoServer

        from .cheeseshop_public import ADMIN_URL

        self.work = work
        self.admin = sqlalchemy.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.admin_url = sqlalchemy.engine.make_url(ADMIN_URL)
        self.databases = []
        os.environ.update(MOTO_AWS)  # for boto3 here and in the servers started
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        port = free_port()
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.moto.start()
        self.endpoint = f"http://127.0.0.1:{port}"
        log(f"pg-s3: moto's S3 server in this process on {self.endpoint}")

    def make(self, label, projects, files, measured, threads, refill) -> dict:
        import boto3
        import fill_corpus

        from .bulk_stores import MotoStore

        token = secrets.token_hex(3)
        database = f"scale_{label}_{token}"
        bucket = f"scale-{label}-{token}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
        self.databases.append(database)
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1").create_bucket(
            Bucket=bucket
        )
        home = self.work / "pg-s3" / label
        home.mkdir(parents=True, exist_ok=True)
        ini = home / "index.ini"
        url = self.admin_url.set(database=database).render_as_string(hide_password=False)
        ini.write_text(
            "[app:main]\nuse = egg:cheeseshop\n"
            f"sqlalchemy.url = {url}\n"
            f"cheeseshop.storage = s3\ncheeseshop.storage.bucket = {bucket}\n"
            f"cheeseshop.storage.endpoint_url = {self.endpoint}\n"
            "cheeseshop.storage.region = us-east-1\ncheeseshop.storage.prefix = packages\n"
            # Without a data folder there is none to keep a made-up key in.
            f"cheeseshop.token_key = {secrets.token_urlsafe(32)}\n"
        )
        fixed = fill_corpus.measured_projects(measured)
        fixed_files = sum(p.versions * (1 + p.sdists) for p in fixed)
        report = fill_corpus.fill_index(
            None,
            str(ini),
            max(0, projects - measured),
            max(0, files - fixed_files),
            fixed=fixed,
            store=MotoStore(bucket, prefix="packages"),
        )
        return {
            "wanted": {"projects": projects, "files": files, "measured": measured},
            **report.as_dict(),
            "folder": str(home),
            "database": database,
            "bucket": bucket,
            "config_args": ["-c", str(ini)],
        }

    def close(self) -> None:
        self.moto.stop()
        with self.admin.connect() as connection:
            for database in self.databases:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.admin.dispose()


BACKENDS = {FolderIndexes.name: FolderIndexes, PgS3Indexes.name: PgS3Indexes}

"""cheeseshop in its public-index shape — PostgreSQL + S3 over HTTP (moto's
server on loopback) — beside the embedded default (SQLite + a folder), in one
run of compare.py's harness, on the same corpus, uploads and load.

    python3 benchmarks/public_shape.py --write-docs
        (= compare.py --servers cheeseshop,cheeseshop-pg-s3
           --docs-path docs/benchmarks-public-shape.rst, plus any compare.py option)

PostgreSQL must be running (scripts/postgres.sh starts it); the database is
made for the run and dropped after it. ``CHEESESHOP_BENCH_POSTGRESQL`` names
an admin URL (default: the test suite's role on 127.0.0.1:5432).
"""

import os
import secrets
import sys
from pathlib import Path

import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402

ADMIN_URL = os.environ.get(
    "CHEESESHOP_BENCH_POSTGRESQL",
    "postgresql+psycopg://cheeseshop:cheeseshop@127.0.0.1:5432/cheeseshop_test",
)
AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}


class CheeseshopPublic(compare.Cheeseshop):
    name = "cheeseshop-pg-s3"
    auth_note = "HTTP Basic; PostgreSQL + S3 (moto server over HTTP)"

    def __init__(self, args, work):
        super().__init__(args, work)
        self.venv = work / "venvs" / "cheeseshop"  # the same install as "cheeseshop"
        self.database = f"cheeseshop_bench_{secrets.token_hex(4)}"
        self.moto = None
        self.ini = self.data / "public.ini"

    def _admin(self):
        return sqlalchemy.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")

    def prepare(self):
        super().prepare()
        engine = self._admin()
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{self.database}"')
        engine.dispose()
        url = sqlalchemy.engine.make_url(ADMIN_URL).set(database=self.database)
        moto_port = compare.free_port()
        self.moto = compare.spawn(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
            logfile=self.work / "logs" / "moto.log",
        )
        endpoint = f"http://127.0.0.1:{moto_port}"
        self._wait_for(endpoint + "/moto-api/")
        import boto3

        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="bench", aws_secret_access_key="bench").create_bucket(Bucket="bench")
        self.ini.write_text(
            "[app:main]\nuse = egg:cheeseshop\n"
            f"sqlalchemy.url = {url.render_as_string(hide_password=False)}\n"
            "cheeseshop.storage = s3\ncheeseshop.storage.bucket = bench\n"
            f"cheeseshop.storage.endpoint_url = {endpoint}\ncheeseshop.storage.region = us-east-1\n"
            "cheeseshop.storage.prefix = packages\n"
        )
        compare.run([self.bin("cheeseshop"), "-c", str(self.ini), "db", "upgrade"], env=self.env())

    def _wait_for(self, url):
        import time

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                compare.fetch("GET", url, timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise compare.BenchError(f"moto server did not answer at {url}")

    def env(self):
        return {**super().env(), **AWS}

    def command(self):
        return [self.bin("cheeseshop"), "-c", str(self.ini), "serve",
                "--host", "127.0.0.1", "--port", str(self.port),
                *compare.shlex.split(self.args.cheeseshop_serve_args)]

    def after_start(self):
        cp = compare.run([self.bin("cheeseshop"), "-c", str(self.ini), "user", "add", compare.USER,
                          "--email", compare.EMAIL, "--password-stdin"],
                         input=self.password + "\n", timeout=120, check=False, env=self.env())
        if cp.returncode != 0:
            raise compare.BenchError("`cheeseshop user add` failed:\n" + (cp.stdout + cp.stderr)[-2000:])

    def stop(self):
        super().stop()
        if self.moto is not None:
            compare._kill_proc(self.moto)
            compare.forget(self.moto)
            self.moto = None
        engine = self._admin()
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        engine.dispose()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    compare.SERVERS[CheeseshopPublic.name] = CheeseshopPublic
    compare.ORDER.insert(1, CheeseshopPublic.name)
    if "--servers" not in argv:
        argv += ["--servers", "cheeseshop,cheeseshop-pg-s3"]
    if "--docs-path" not in argv:
        argv += ["--docs-path", str(compare.REPO / "docs" / "benchmarks-public-shape.rst")]
    write_docs = compare.write_docs

    def write_public_docs(path, results, head, rows, notes, command):
        write_docs(path, results, head, rows, notes, command)
        text = Path(path).read_text()
        title = "Benchmarks: the public-index shape"
        text = text.replace("Benchmarks\n==========", f"{title}\n{'=' * len(title)}", 1)
        text = text.replace(
            "cheeseshop compared with pypiserver and devpi-server",
            "cheeseshop on PostgreSQL + S3 (moto's server over HTTP) beside cheeseshop on "
            "SQLite + a folder; the ratio columns compare with the other servers when they ran",
            1,
        )
        # This run has no devpi: the 3x-devpi target line means nothing here.
        text = "\n".join(
            line for line in text.split("\n")
            if "Target (every cheeseshop read" not in line and "Target: every cheeseshop read" not in line
        )
        Path(path).write_text(text)

    compare.write_docs = write_public_docs
    return compare.main(argv)


if __name__ == "__main__":
    sys.exit(main())

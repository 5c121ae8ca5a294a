"""production.ini as shipped: PostgreSQL and S3 from environment variables,
read the same way by ``cheeseshop -c`` and by pserve's loader."""

import os

import pytest
import webtest
from click.testing import CliRunner
from pyramid.exceptions import ConfigurationError
from pyramid.paster import get_app

from cheeseshop.cli import main as cli
from tests import factories
from tests.conftest import TOKEN_KEY
from tests.factories import upload

INI = os.path.join(os.path.dirname(__file__), "..", "..", "production.ini")


@pytest.fixture
def production_env(monkeypatch, empty_postgresql_database, s3_bucket):
    monkeypatch.setenv("CHEESESHOP_DATABASE_URL", empty_postgresql_database)
    monkeypatch.setenv("CHEESESHOP_STORAGE_BUCKET", s3_bucket["cheeseshop.storage.bucket"])
    monkeypatch.setenv(
        "CHEESESHOP_STORAGE_ENDPOINT_URL", s3_bucket["cheeseshop.storage.endpoint_url"]
    )
    monkeypatch.setenv("CHEESESHOP_STORAGE_REGION", "us-east-1")
    monkeypatch.setenv("CHEESESHOP_TOKEN_KEY", TOKEN_KEY)
    return s3_bucket


def test_production_ini_serves_from_postgresql_and_s3(production_env):
    runner = CliRunner()
    assert runner.invoke(cli, ["-c", INI, "db", "upgrade"]).exit_code == 0
    result = runner.invoke(
        cli, ["-c", INI, "user", "add", "ops", "--password-stdin"], input="s3cret\n"
    )
    assert result.exit_code == 0, result.output
    app = webtest.TestApp(get_app(INI, "main"))
    content = factories.wheel("prod", "1.0")
    upload(app, ("ops", "s3cret"), "prod", "1.0", content=content)
    url = app.get("/pypi/prod/json").json["urls"][0]["url"]
    assert app.get(url[url.index("/packages/") :]).body == content

    import boto3

    client = boto3.client("s3", endpoint_url=production_env["cheeseshop.storage.endpoint_url"])
    listed = client.list_objects_v2(Bucket=production_env["cheeseshop.storage.bucket"])
    assert all(item["Key"].startswith("packages/") for item in listed["Contents"])
    assert len(listed["Contents"]) == 2  # the wheel and its .metadata


def test_a_missing_variable_names_the_setting(monkeypatch):
    monkeypatch.delenv("CHEESESHOP_DATABASE_URL", raising=False)
    with pytest.raises(
        ConfigurationError, match=r"sqlalchemy.url is not set \(nor CHEESESHOP_DATABASE_URL"
    ):
        get_app(INI, "main")
    result = CliRunner().invoke(cli, ["-c", INI, "db", "upgrade"])
    assert result.exit_code == 1
    assert "CHEESESHOP_DATABASE_URL" in result.output
    assert "Traceback" not in result.output

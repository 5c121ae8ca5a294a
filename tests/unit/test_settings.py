import dataclasses
import logging

import pytest
from pyramid.exceptions import ConfigurationError

from cheeseshop.app import main
from cheeseshop.settings import expand_environment, load, parse_whole_number


def test_environment_references_and_defaults(monkeypatch):
    monkeypatch.setenv("CS_SET", "value")
    monkeypatch.setenv("CS_EMPTY", "")
    monkeypatch.delenv("CS_UNSET", raising=False)
    assert expand_environment("k", "a-${CS_SET}-b") == "a-value-b"
    assert expand_environment("k", "${CS_UNSET:-fallback}") == "fallback"
    # As in the shell: an empty variable takes the default too.
    assert expand_environment("k", "${CS_EMPTY:-fallback}") == "fallback"
    assert expand_environment("k", "${CS_EMPTY}") == ""
    with pytest.raises(
        ConfigurationError, match="sqlalchemy.url needs the environment variable CS_UNSET"
    ):
        load({"sqlalchemy.url": "${CS_UNSET}"})


def test_whole_number_settings_are_checked_at_start(settings):
    assert parse_whole_number("x", "12") == 12
    with pytest.raises(
        ConfigurationError, match="cheeseshop.max_file_size = 1GB: not a whole number"
    ):
        main({}, **settings, **{"cheeseshop.max_file_size": "1GB"})
    with pytest.raises(
        ConfigurationError, match="cheeseshop.page_cache_bytes = -1: must not be negative"
    ):
        load({**settings, "cheeseshop.page_cache_bytes": "-1"}, environ={})


def test_an_empty_storage_setting_is_a_configuration_error(settings):
    with pytest.raises(ConfigurationError, match="cheeseshop.storage is empty"):
        main({}, **{**settings, "cheeseshop.storage": ""})


def test_typed_settings_with_defaults(tmp_path):
    settings = load(
        {
            "sqlalchemy.url": "sqlite:///x.sqlite",
            "sqlalchemy.pool_size": "3",
            "cheeseshop.storage.path": str(tmp_path),
        },
        environ={},
    )
    assert settings.max_file_size == 1024**3
    assert settings.page_cache_bytes == 64 * 1024**2
    assert settings.storage == "filesystem"
    assert settings.storage_options == {"path": str(tmp_path)}
    assert settings.database_options == {"pool_size": "3"}
    assert settings.files_url is None
    # No cheeseshop.* key reaches Pyramid's own settings: one source of truth.
    assert not [key for key in settings.pyramid if key.startswith("cheeseshop.")]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_file_size = 1


def test_the_environment_wins_over_the_ini(tmp_path):
    environ = {
        "CHEESESHOP_MAX_FILE_SIZE": "1000",
        "CHEESESHOP_STORAGE": "s3",
        "CHEESESHOP_STORAGE_BUCKET": "from-env",
        "CHEESESHOP_DATABASE_URL": "postgresql+psycopg://u@db/index",
        "CHEESESHOP_FILES_URL": "https://files.example.org/",
    }
    settings = load(
        {
            "sqlalchemy.url": "sqlite:///ini.sqlite",
            "cheeseshop.max_file_size": "5",
            "cheeseshop.storage": "filesystem",
            "cheeseshop.storage.bucket": "from-ini",
        },
        environ=environ,
    )
    assert settings.max_file_size == 1000
    assert settings.storage == "s3"
    assert settings.storage_options == {"bucket": "from-env"}
    assert settings.database_url == "postgresql+psycopg://u@db/index"
    assert settings.files_url == "https://files.example.org/"


def test_an_unknown_key_in_the_ini_names_the_closest_one():
    with pytest.raises(
        ConfigurationError,
        match=r"^cheeseshop.max_filesize is not a cheeseshop setting; did you mean cheeseshop.max_file_size\?$",
    ):
        load({"cheeseshop.max_filesize": "10"}, environ={})
    with pytest.raises(
        ConfigurationError,
        match=r"^cheeseshop.storage.buckt is not a setting of the s3 storage; did you mean cheeseshop.storage.bucket\?$",
    ):
        load({"cheeseshop.storage": "s3", "cheeseshop.storage.buckt": "b"}, environ={})


def test_options_of_another_builtin_backend_are_ignored():
    settings = load(
        {
            "cheeseshop.storage": "s3",
            "cheeseshop.storage.bucket": "b",
            "cheeseshop.storage.path": "/srv/files",
        },
        environ={},
    )
    assert settings.storage_options == {"bucket": "b"}


def test_an_unknown_variable_is_a_warning_with_the_closest_name(caplog):
    with caplog.at_level(logging.WARNING, logger="cheeseshop.settings"):
        settings = load(
            {}, environ={"CHEESESHOP_MAX_FILESIZE": "10", "CHEESESHOP_STORAGE_BUCKT": "x"}
        )
    assert settings.max_file_size == 1024**3
    messages = [record.getMessage() for record in caplog.records]
    assert (
        "CHEESESHOP_MAX_FILESIZE names no cheeseshop setting; ignored; did you mean CHEESESHOP_MAX_FILE_SIZE?"
        in messages
    )
    assert (
        "CHEESESHOP_STORAGE_BUCKT names no cheeseshop setting; ignored; did you mean CHEESESHOP_STORAGE_PATH?"
        in messages
    )


def test_data_dir_keeps_the_folder_backends_other_options(tmp_path):
    settings = load(
        {"cheeseshop.storage.bucket": "elsewhere"},
        environ={
            "CHEESESHOP_STORAGE_PATH": "/somewhere/else",
            "CHEESESHOP_STORAGE_ACCEL_REDIRECT": "/_stored/",
        },
        data_dir=str(tmp_path),
    )
    assert settings.storage_options == {
        "path": f"{tmp_path}/files",
        "accel_redirect": "/_stored/",
    }


def test_data_dir_is_the_embedded_default(tmp_path):
    settings = load(
        {},
        environ={"CHEESESHOP_DATABASE_URL": "postgresql+psycopg://u@db/x"},
        data_dir=str(tmp_path),
    )
    # --data on the command line: SQLite and files in that folder, whatever
    # the environment says.
    assert settings.database_url == f"sqlite:///{tmp_path}/cheeseshop.sqlite"
    assert settings.storage_options == {"path": f"{tmp_path}/files"}
    from_ini = load({"cheeseshop.data_dir": str(tmp_path)}, environ={})
    assert from_ini.database_url == f"sqlite:///{tmp_path}/cheeseshop.sqlite"

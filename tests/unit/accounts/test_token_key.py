"""Where the token key comes from: the setting, or on the embedded default a
key file made once in the data folder; a server without either does not start."""

import os
import stat

import pytest
from pyramid.exceptions import ConfigurationError

from cheeseshop.accounts import tokens
from cheeseshop.settings import load


def test_the_setting_wins(tmp_path):
    settings = load({"cheeseshop.token_key": "x" * 32}, environ={}, data_dir=str(tmp_path))
    assert tokens.load_key(settings) == b"x" * 32
    assert not (tmp_path / tokens.KEY_FILE).exists()


def test_the_embedded_default_makes_a_private_key_file_once(tmp_path):
    settings = load({}, environ={}, data_dir=str(tmp_path / "data"))
    key = tokens.load_key(settings)
    path = tmp_path / "data" / tokens.KEY_FILE
    assert len(key) >= tokens.MIN_KEY_LENGTH
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert tokens.load_key(settings) == key
    assert os.listdir(tmp_path / "data") == [tokens.KEY_FILE]


def test_a_server_needs_the_setting():
    settings = load({"sqlalchemy.url": "sqlite://"}, environ={})
    with pytest.raises(ConfigurationError, match="cheeseshop.token_key is not set"):
        tokens.load_key(settings)
    with pytest.raises(ConfigurationError, match="too short"):
        tokens.load_key(load({"cheeseshop.token_key": "short"}, environ={}))


def test_the_environment_sets_it():
    settings = load({}, environ={"CHEESESHOP_TOKEN_KEY": "e" * 40})
    assert tokens.load_key(settings) == b"e" * 40

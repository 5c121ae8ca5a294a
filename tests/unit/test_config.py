import pytest
from pyramid.exceptions import ConfigurationError

from cheeseshop.app import main
from cheeseshop.settings import expand_environment, integer_setting, with_defaults


def test_environment_references_and_defaults(monkeypatch):
    monkeypatch.setenv("CS_SET", "value")
    monkeypatch.setenv("CS_EMPTY", "")
    monkeypatch.delenv("CS_UNSET", raising=False)
    assert expand_environment("k", "a-${CS_SET}-b") == "a-value-b"
    assert expand_environment("k", "${CS_UNSET:-fallback}") == "fallback"
    # As in the shell: an empty variable takes the default too.
    assert expand_environment("k", "${CS_EMPTY:-fallback}") == "fallback"
    assert expand_environment("k", "${CS_EMPTY}") == ""
    with pytest.raises(ConfigurationError, match="sqlalchemy.url needs the environment variable CS_UNSET"):
        with_defaults({"sqlalchemy.url": "${CS_UNSET}"})


def test_whole_number_settings_are_checked_at_start(settings):
    assert integer_setting({"x": "12"}, "x", 0) == 12
    with pytest.raises(ConfigurationError, match="cheeseshop.max_file_size = 1GB: not a whole number"):
        main({}, **settings, **{"cheeseshop.max_file_size": "1GB"})


def test_an_empty_storage_setting_is_a_configuration_error(settings):
    with pytest.raises(ConfigurationError, match="cheeseshop.storage is empty"):
        main({}, **{**settings, "cheeseshop.storage": ""})

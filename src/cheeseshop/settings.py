"""Settings: defaults for a private laptop index, and the embedded default
(``--data DIR``: SQLite and a files folder in DIR)."""

import os
import re

from pyramid.exceptions import ConfigurationError

DEFAULTS = {
    "cheeseshop.storage": "filesystem",
    "cheeseshop.max_file_size": str(1024**3),
    "tm.commit_veto": "pyramid_tm.default_commit_veto",
    "jinja2.directories": "cheeseshop:web/templates",
}


def data_dir_settings(data_dir):
    """Settings of the embedded default in ``data_dir``."""
    data_dir = os.path.abspath(data_dir)
    return {
        "sqlalchemy.url": "sqlite:///" + os.path.join(data_dir, "cheeseshop.sqlite"),
        "cheeseshop.storage": "filesystem",
        "cheeseshop.storage.path": os.path.join(data_dir, "files"),
    }


ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_environment(key, value):
    """``${NAME}`` and ``${NAME:-default}`` in a setting, from the environment.

    Done by the app itself, so ``cheeseshop -c`` and ``pserve`` read an ini
    the same way; a missing variable without a default names the setting.
    """
    if not isinstance(value, str) or "${" not in value:
        return value

    def replace(match):
        name, default = match.group(1), match.group(2)
        if os.environ.get(name):
            return os.environ[name]
        if default is not None:  # as in the shell: unset or empty
            return default
        if name in os.environ:
            return ""
        raise ConfigurationError(f"{key} needs the environment variable {name}, which is not set")

    return ENV_REFERENCE.sub(replace, value)


def with_defaults(settings):
    merged = dict(DEFAULTS)
    merged.update(
        {k: expand_environment(k, v) for k, v in settings.items() if v is not None}
    )
    if "cheeseshop.data_dir" in merged:
        for key, value in data_dir_settings(merged["cheeseshop.data_dir"]).items():
            merged.setdefault(key, value)
    return merged


def integer_setting(settings, key, default) -> int:
    """A whole-number setting; a ConfigurationError naming it otherwise."""
    value = settings.get(key, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{key} = {value}: not a whole number") from None

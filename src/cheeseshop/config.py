"""Settings: defaults for a private laptop index, and the embedded default
(``--data DIR``: SQLite and a files folder in DIR)."""

import os

DEFAULTS = {
    "cheeseshop.storage": "filesystem",
    "cheeseshop.max_file_size": str(1024**3),
    "tm.commit_veto": "pyramid_tm.default_commit_veto",
    "jinja2.directories": "cheeseshop:templates",
}


def data_dir_settings(data_dir):
    """Settings of the embedded default in ``data_dir``."""
    data_dir = os.path.abspath(data_dir)
    return {
        "sqlalchemy.url": "sqlite:///" + os.path.join(data_dir, "cheeseshop.sqlite"),
        "cheeseshop.storage": "filesystem",
        "cheeseshop.storage.path": os.path.join(data_dir, "files"),
    }


def with_defaults(settings):
    merged = dict(DEFAULTS)
    merged.update({k: v for k, v in settings.items() if v is not None})
    if "cheeseshop.data_dir" in merged:
        for key, value in data_dir_settings(merged["cheeseshop.data_dir"]).items():
            merged.setdefault(key, value)
    return merged

"""Sphinx configuration of the cheeseshop documentation.

Build with::

    python3 -m sphinx -W -b html docs docs/_build/html
"""

import configparser
import os

_setup_cfg = configparser.ConfigParser()
_setup_cfg.read(os.path.join(os.path.dirname(__file__), os.pardir, "setup.cfg"))

project = "cheeseshop"
author = "the cheeseshop maintainers"
copyright = "the cheeseshop maintainers"
release = _setup_cfg.get("metadata", "version", fallback="0.0")
version = release

extensions = []
# docs/mirrors/ holds sections that mirrors-and-backups.rst includes.
exclude_patterns = ["_build", "mirrors"]
root_doc = "index"
highlight_language = "none"
pygments_style = "sphinx"

html_theme = "alabaster"
html_title = f"cheeseshop {release}"
html_theme_options = {
    "description": "A Python package index server: pypi.org's protocols, "
    "from a laptop to a public index.",
    "fixed_sidebar": True,
    "show_relbars": True,
}

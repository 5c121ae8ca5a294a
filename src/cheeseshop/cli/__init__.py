"""The ``cheeseshop`` command line.

``cheeseshop [--data DIR | -c INI] COMMAND``: with neither option the data
directory is ``./var`` (SQLite and a files folder, the embedded default).
"""

import click

from .context import pass_env, Environment  # noqa: F401
from .database import db
from .projects import status, unyank, yank
from .serve import serve
from .storage_commands import fsck, storage
from .users import user


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False),
    help="Data directory of the embedded default: SQLite and files (default ./var).",
)
@click.option(
    "-c",
    "--config",
    "config_uri",
    type=click.Path(dir_okay=False),
    help="A Pyramid ini file (e.g. production.ini).",
)
@click.pass_context
def main(ctx, data_dir, config_uri):
    """cheeseshop: a Python package index server."""
    if data_dir and config_uri:
        raise click.UsageError("use --data or -c, not both")
    ctx.obj = Environment(data_dir=data_dir, config_uri=config_uri)


for command in (serve, db, user, yank, unyank, status, fsck, storage):
    main.add_command(command)

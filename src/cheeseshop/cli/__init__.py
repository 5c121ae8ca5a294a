"""The ``cheeseshop`` command line.

``cheeseshop [--data DIR | -c INI] COMMAND``: with neither option the data
directory is ``./var`` (SQLite and a files folder, the embedded default).
"""

import click
import sqlalchemy.exc
from pyramid.exceptions import ConfigurationError

from cheeseshop import log_output
from cheeseshop.cli.audit_log import audit_log
from cheeseshop.cli.cache import cache
from cheeseshop.cli.context import Environment
from cheeseshop.cli.database import db
from cheeseshop.cli.dump_load import dump, load
from cheeseshop.cli.importing import import_
from cheeseshop.cli.projects import remove, status, unyank, yank
from cheeseshop.cli.roles import role
from cheeseshop.cli.serve import serve
from cheeseshop.cli.storage_commands import fsck, storage
from cheeseshop.cli.tokens import token
from cheeseshop.cli.users import user
from cheeseshop.storage.errors import StorageError


class CommandLine(click.Group):
    """Failures of the machine or the configuration end in one ``Error:``
    line and exit 1, never a traceback; a traceback means a bug."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (ConfigurationError, StorageError) as exc:
            raise click.ClickException(str(exc)) from exc
        except sqlalchemy.exc.DBAPIError as exc:
            reason = " ".join(str(exc.orig).split())
            raise click.ClickException(f"the database refused: {reason}") from exc
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from exc
        finally:
            # Log lines gathered so far come before the error line, not after.
            log_output.flush_all()


@click.group(cls=CommandLine, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cheeseshop", prog_name="cheeseshop")
@click.option(
    "--data",
    "data_dir",
    help="Data directory of the embedded default: SQLite and files (default ./var).",
)
@click.option(
    "-c",
    "--config",
    "config_uri",
    help="A Pyramid ini file (e.g. production.ini).",
)
@click.pass_context
def main(ctx, data_dir, config_uri):
    """cheeseshop: a Python package index server."""
    if data_dir and config_uri:
        raise click.UsageError("use --data or -c, not both")
    ctx.obj = Environment(data_dir=data_dir, config_uri=config_uri)


for command in (
    serve,
    db,
    user,
    role,
    token,
    yank,
    unyank,
    remove,
    status,
    fsck,
    storage,
    audit_log,
    cache,
    import_,
    dump,
    load,
):
    main.add_command(command)

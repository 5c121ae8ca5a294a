"""``cheeseshop fsck`` and ``cheeseshop storage migrate``: the files against
the database, and the files from one storage to another."""

import contextlib
import sys

import click
from pyramid.exceptions import ConfigurationError

from cheeseshop.cli.context import load_settings, pass_env
from cheeseshop.db.engines import get_engine
from cheeseshop.maintenance import fsck as index_check
from cheeseshop.maintenance import referenced
from cheeseshop.maintenance import storage_copy as storage_migration
from cheeseshop.storage import storage_from_settings


@contextlib.contextmanager
def read_engine(env):
    """An engine for reading only: on SQLite a writer engine begins with
    BEGIN IMMEDIATE, which would lock uploads out for the whole run."""
    env.prepare_database()
    engine = get_engine(env.settings, writer=False)
    try:
        yield engine
    finally:
        engine.dispose()


def progressbar(length, label):
    # On stderr, so that stdout carries only the results; click draws
    # nothing but the label when stderr is not a terminal.
    return click.progressbar(length=length, label=label, file=sys.stderr)


@click.command()
@click.option(
    "--repair",
    is_flag=True,
    help="Delete orphans (stored bytes no row references). Never rows, never referenced bytes.",
)
@pass_env
def fsck(env, repair):
    """Check every file row against storage, and look for orphans.

    Each file's bytes must exist with the recorded size and sha256, and its
    .metadata (PEP 658) with the recorded sha256. Prints one line per problem
    and a summary; exits 1 when problems remain. Run --repair while nobody
    uploads: an upload stores its bytes a moment before its row commits.
    """
    storage = env.storage()
    with read_engine(env) as engine:
        with progressbar(referenced.count_files(engine), "checking files") as bar:
            report = index_check.check_index(engine, storage, progress=bar.update)
        if repair:
            index_check.remove_orphans(engine, storage, report)
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(report.summary())
    if repair:
        for error in report.removal_errors:
            click.echo(str(error))
        click.echo(f"orphans and partial writes removed: {len(report.removed)}")
        if report.now_referenced:
            click.echo(
                f"orphans kept, referenced by now (uploads in flight): {len(report.now_referenced)}"
            )
    if not report.clean:
        click.get_current_context().exit(1)


@click.group("storage")
def storage():
    """Where the distribution files live."""


@storage.command()
@click.option(
    "--to",
    "target_ini",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An ini whose [app:main] configures the new storage.",
)
@pass_env
def migrate(env, target_ini):
    """Copy every file (and its .metadata) to the storage that the --to ini
    configures, verifying each one's sha256 as it streams.

    The index keeps serving from the current storage meanwhile. Resumable:
    a run skips what an earlier one copied. Then the operator switches:
    stop uploads, run migrate once more (it copies only what was uploaded
    meanwhile), put the new storage's settings in the index's ini and
    restart it.
    """
    source = env.storage()
    target = target_storage(target_ini)
    with read_engine(env) as engine:
        with progressbar(referenced.count_files(engine), "copying files") as bar:
            report = storage_migration.copy_referenced(engine, source, target, progress=bar.update)
    for failure in report.failures:
        click.echo(str(failure))
    click.echo(report.summary())
    if not report.complete:
        click.get_current_context().exit(1)


def target_storage(path):
    try:
        # The target as its ini says: the CHEESESHOP_* variables that
        # configure this index must not redirect the copy onto itself.
        return storage_from_settings(load_settings(path, overrides=False))
    except ConfigurationError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc

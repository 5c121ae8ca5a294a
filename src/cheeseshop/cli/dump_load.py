"""``cheeseshop dump FILE`` and ``cheeseshop load FILE``: the whole index
as one archive, and back into any database and storage."""

import contextlib
import os
import tempfile

import click

from cheeseshop.cli.context import pass_env
from cheeseshop.cli.storage_commands import progressbar, read_engine
from cheeseshop.db.engines import get_engine
from cheeseshop.maintenance.archive import ArchiveError, ArchiveReader
from cheeseshop.maintenance.dump import DumpError, write_dump
from cheeseshop.maintenance.load import (
    LoadError,
    check_target,
    finish,
    load_rows_and_files,
    migrate_to,
)
from cheeseshop.maintenance.row_encoding import RowError
from cheeseshop.maintenance.scrub import ScrubError

COMPRESSED_SUFFIXES = (".gz", ".tgz")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--scrub",
    is_flag=True,
    help="Leave out or replace e-mails, password hashes, tokens, client addresses and "
    "sign-in events: a dump to hand to developers.",
)
@pass_env
def dump(env, file, scrub):
    """Write the whole index, rows and file bytes, to FILE (a tar; gzipped
    when FILE ends in .gz or .tgz; - for standard output).

    The dump is one consistent moment of the index, taken while it serves.
    FILE appears only once complete, readable by its owner alone (unless
    --scrub, it holds password hashes and e-mail addresses).
    """
    storage = env.storage()
    with read_engine(env) as engine, _output(file) as stream:
        try:
            report = write_dump(
                engine,
                storage,
                stream,
                scrub=scrub,
                compress=file.endswith(COMPRESSED_SUFFIXES),
                progress=progressbar,
            )
        except (DumpError, ScrubError, RowError) as exc:
            raise click.ClickException(str(exc)) from exc
    # With FILE "-", standard output is the archive.
    click.echo(f"{report.summary()} to {file}", err=file == "-")


@contextlib.contextmanager
def _output(file):
    if file == "-":
        stream = click.get_binary_stream("stdout")
        if stream.isatty():
            raise click.ClickException("not writing an archive to a terminal: redirect it")
        yield stream
        stream.flush()
        return
    # A name of its own beside FILE, renamed once complete: a failed or
    # interrupted dump never leaves a plausible half archive, nor replaces
    # the last good one. mkstemp makes it readable by its owner only.
    folder = os.path.dirname(os.path.abspath(file))
    descriptor, partial = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(file)}.", suffix=".partial"
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, file)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@pass_env
def load(env, file):
    """Load a dump from FILE (- for standard input) into this index, which
    must be empty: no rows in the database, no files in storage.

    The schema is brought to the dump's, the rows and files are loaded in
    one transaction, then the schema is upgraded to this cheeseshop's, the
    search index rebuilt and every file verified as 'cheeseshop fsck' does
    (exit status 1 if a problem remains).
    """
    url = env.database_url
    storage = env.storage()
    with _input(file) as stream:
        try:
            reader = ArchiveReader(stream)
            manifest = reader.read_manifest()
            migrate_to(url, check_target(url, storage), manifest.alembic_revision)
            engine = get_engine(env.settings)
            try:
                report = load_rows_and_files(
                    engine, storage, reader, manifest, progress=progressbar
                )
                finish(url, engine, storage, manifest, report, progress=progressbar)
            finally:
                engine.dispose()
        except (ArchiveError, LoadError) as exc:
            raise click.ClickException(f"{file}: {exc}") from exc
    dumped = f"cheeseshop {manifest.cheeseshop_version}, {manifest.created}"
    click.echo(
        f"loaded {report.rows} rows and {report.files} files ({report.file_bytes} bytes) "
        f"from {file} ({dumped}, revision {manifest.alembic_revision}"
        + (", scrubbed)" if manifest.scrubbed else ")")
    )
    if report.upgraded_to:
        click.echo(f"schema upgraded to revision {report.upgraded_to}")
    click.echo(f"search index rebuilt: {report.reindexed} projects")
    verification = report.verification
    for problem in verification.problems:
        click.echo(str(problem))
    click.echo(verification.summary())
    if not verification.clean:
        raise click.ClickException(
            f"the loaded index failed verification ({len(verification.problems)} problems, "
            "listed above): the rows are committed; see 'cheeseshop fsck'"
        )


@contextlib.contextmanager
def _input(file):
    if file == "-":
        yield click.get_binary_stream("stdin")
        return
    with open(file, "rb") as stream:
        yield stream

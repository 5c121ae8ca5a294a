"""``cheeseshop import DIR`` and ``cheeseshop import --index URL [PROJECT]...``:
distributions from a folder (as pypiserver keeps them) or from another index."""

import os
import sys

import click

from cheeseshop.cli.context import pass_env
from cheeseshop.db.engines import get_engine
from cheeseshop.db.sessions import get_session_factory
from cheeseshop.maintenance import importing, index_import
from cheeseshop.mirror.upstream_client import UpstreamClient, UpstreamUnavailable
from cheeseshop.publishing.inspection import InspectionLimits


def progressbar(length, label):
    # On stderr, so that stdout carries only the results.
    return click.progressbar(length=length, label=label, file=sys.stderr)


@click.command("import")
@click.argument("sources", nargs=-1, metavar="DIR | PROJECT...")
@click.option(
    "--index",
    "index_url",
    metavar="URL",
    help="Copy from this index's simple API (https://host/simple/); then the "
    "arguments are project names, and without any every project it lists.",
)
@click.option(
    "--owner",
    metavar="USER",
    help="Give USER the Owner role on the projects the import creates "
    "(without it, they have no owner).",
)
@pass_env
def import_(env, sources, index_url, owner):
    """Import the distributions in folder DIR (at any depth), or the projects
    of another index (--index).

    Each file goes through the checks an upload does, its metadata read from
    the file, in a transaction of its own. Resumable: a file already here
    (same name, same sha256) is skipped; one here with other bytes is a
    conflict and left as it is. From an index, every file's sha256 is checked
    against its page, and files without one are refused. Prints one line per
    file that was not imported and a summary; exits 1 when a file failed or
    conflicted.
    """
    if index_url is None:
        if len(sources) != 1:
            raise click.UsageError("give one DIR, or --index URL and project names")
        if not os.path.isdir(sources[0]):
            raise click.ClickException(f"{sources[0]}: not a folder")
    env.prepare_database()
    engine = get_engine(env.settings)
    try:
        try:
            importer = importing.Importer(
                get_session_factory(engine),
                env.storage(),
                InspectionLimits.from_settings(env.settings),
                owner=owner,
                source=index_url or os.path.abspath(sources[0]),
            )
        except importing.NoSuchOwner as exc:
            raise click.ClickException(str(exc)) from exc
        if index_url is None:
            report = _from_folder(importer, sources[0])
        else:
            report = _from_index(importer, index_url, sources)
    finally:
        engine.dispose()
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(report.summary())
    if report.projects_created and owner is None:
        click.echo(
            f"The {len(report.projects_created)} projects created have no owner: "
            "give each one with 'cheeseshop role add PROJECT USER --role owner'.",
            err=True,
        )
    if not report.complete:
        click.get_current_context().exit(1)


def _from_folder(importer, folder):
    files = importing.list_folder(folder)
    with progressbar(sum(size for _, size in files), "importing files") as bar:
        return importing.import_folder(importer, folder, files, progress=bar.update)


def _from_index(importer, index_url, names):
    client = UpstreamClient(index_url)
    try:
        if not names:
            try:
                names = client.project_names()
            except UpstreamUnavailable as exc:
                raise click.ClickException(f"cannot list the projects: {exc}") from exc
        # Over projects: a page tells the sizes of its own files only.
        with progressbar(len(names), "importing projects") as bar:
            return index_import.import_projects(client, importer, names, progress=bar.update)
    finally:
        client.close()

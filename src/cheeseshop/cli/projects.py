import click

from cheeseshop.accounts.audit import Actor
from cheeseshop.catalog import projects, releases, removal
from cheeseshop.catalog.projects import CatalogError, ProjectStatus
from cheeseshop.cli.context import pass_env


def _run(env, action, *args, **kwargs):
    with env.dbsession() as dbsession:
        try:
            return action(dbsession, *args, **kwargs)
        except CatalogError as exc:
            raise click.ClickException(str(exc)) from exc


@click.command()
@click.argument("project")
@click.argument("version")
@click.option("--reason", default="", help="Why, shown to installers (PEP 592).")
@pass_env
def yank(env, project, version, reason):
    """Yank a release: installers skip it unless pinned with ==."""
    release = _run(env, releases.yank, project, version, reason)
    click.echo(f"yanked {release}")


@click.command()
@click.argument("project")
@click.argument("version")
@pass_env
def unyank(env, project, version):
    """Undo a yank."""
    release = _run(env, releases.unyank, project, version)
    click.echo(f"un-yanked {release}")


@click.command()
@click.argument("project")
@click.argument("version")
@click.option(
    "--file",
    "filename",
    metavar="FILENAME",
    help="Remove only this file of the release (and the release, if it is its last).",
)
@click.option("--yes", is_flag=True, help="Remove without asking first.")
@pass_env
def remove(env, project, version, filename, yes):
    """Remove a release or one of its files for good; prefer yank.

    A removed filename can never be uploaded again. Without --yes, lists
    what goes and asks first."""
    planned = None
    if not yes:
        planned = _run(env, removal.plan, project, version, filename)
        _confirm(planned)
    # The answer may take a while: the removal runs in a transaction of its
    # own, which holds no lock while the prompt waits.
    with env.transaction() as (dbsession, manager):
        try:
            removed = removal.remove(
                dbsession,
                env.storage(),
                project,
                version,
                filename,
                actor=Actor.command_line(),
                transaction_manager=manager,
                expected=planned,
            )
        except CatalogError as exc:
            raise click.ClickException(str(exc)) from exc
    for name in removed.filenames:
        click.echo(f"removed {name}")
    click.echo(removed.summary())


def _confirm(planned):
    """Show what goes and ask; anything but yes ends the command."""
    what = f"{planned.project} {planned.version}"
    if planned.filename is not None:
        if planned.release_removed:
            click.echo(f"This removes the last file of {what}, and so the release:", err=True)
        else:
            click.echo(f"This removes one file of {what}:", err=True)
    elif planned.filenames:
        click.echo(f"This removes {what} and all its files:", err=True)
    else:
        click.echo(f"This removes {what}, which has no files.", err=True)
    for name in planned.filenames:
        click.echo(f"  {name}", err=True)
    click.echo(
        "It cannot be undone, and a removed filename can never be uploaded again. "
        f"'cheeseshop yank {what}' is usually the better choice: installers skip "
        "a yanked release, but whoever pinned it still gets it.",
        err=True,
    )
    try:
        confirmed = click.confirm("Remove?", default=False, err=True)
    except click.Abort:  # no answer: the end of the input, or Ctrl-C
        click.echo(err=True)  # the Error: line on a line of its own
        confirmed = False
    if not confirmed:
        raise click.ClickException("nothing removed (--yes removes without asking)")


@click.command()
@click.argument("project")
@click.argument("status", type=click.Choice([status.value for status in ProjectStatus]))
@click.option("--reason", default=None, help="Shown with the status (PEP 792).")
@pass_env
def status(env, project, status, reason):
    """Set a project's status (PEP 792): active, archived, quarantined or deprecated."""
    name = _run(env, projects.set_status, project, status, reason)
    click.echo(f"{name} is {status}")

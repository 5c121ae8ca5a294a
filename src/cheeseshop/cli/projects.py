import click

from cheeseshop.catalog import projects, releases
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
@click.argument("status", type=click.Choice([status.value for status in ProjectStatus]))
@click.option("--reason", default=None, help="Shown with the status (PEP 792).")
@pass_env
def status(env, project, status, reason):
    """Set a project's status (PEP 792): active, archived, quarantined or deprecated."""
    name = _run(env, projects.set_status, project, status, reason)
    click.echo(f"{name} is {status}")

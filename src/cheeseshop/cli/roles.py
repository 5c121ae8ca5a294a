import click

from cheeseshop.accounts import roles
from cheeseshop.accounts.users import AccountError
from cheeseshop.catalog.projects import CatalogError
from cheeseshop.cli.context import pass_env

ROLE_CHOICES = {name.value.lower(): name for name in roles.RoleName}


def _run(env, action, *args):
    with env.dbsession() as dbsession:
        try:
            return action(dbsession, *args)
        except (AccountError, CatalogError) as exc:
            raise click.ClickException(str(exc)) from exc


@click.group()
def role():
    """Who may upload to a project: Owners and Maintainers."""


@role.command("add")
@click.argument("project")
@click.argument("user")
@click.option(
    "--role",
    "role_name",
    type=click.Choice(list(ROLE_CHOICES)),
    required=True,
    help="owner: uploads and manages the project; maintainer: uploads.",
)
@pass_env
def add(env, project, user, role_name):
    """Give USER a role on PROJECT (or change the one they have)."""
    click.echo(_run(env, roles.set_role, project, user, ROLE_CHOICES[role_name]))


@role.command("remove")
@click.argument("project")
@click.argument("user")
@pass_env
def remove(env, project, user):
    """Take USER's role on PROJECT away (never the last Owner's)."""
    click.echo(_run(env, roles.remove_role, project, user))


@role.command("list")
@click.argument("project")
@pass_env
def list_(env, project):
    """The users with a role on PROJECT, Owners first."""
    for username, role_name in _run(env, roles.list_roles, project):
        click.echo(f"{username}  {role_name}")

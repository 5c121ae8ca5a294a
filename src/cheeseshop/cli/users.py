import sys

import click

from cheeseshop.accounts import users as accounts
from cheeseshop.cli.context import pass_env


def read_password(from_stdin):
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def user():
    """Accounts."""


@user.command("add")
@click.argument("name")
@click.option("--email", help="The user's e-mail address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--admin", is_flag=True, help="May act on any project.")
@pass_env
def add(env, name, email, password_stdin, admin):
    """Create the user NAME (prompts for the password)."""
    password = read_password(password_stdin)
    with env.dbsession() as dbsession:
        try:
            accounts.create_user(dbsession, name, password, email=email, admin=admin)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"created user {name}")


@user.command("list")
@pass_env
def list_(env):
    """Every user: name, e-mail, created, and whether it may sign in."""
    with env.dbsession() as dbsession:
        rows = [
            (
                u.username,
                u.email or "-",
                u.created.strftime("%Y-%m-%d %H:%M"),
                ("active" if u.is_active else "disabled") + (" admin" if u.is_admin else ""),
            )
            for u in accounts.list_users(dbsession)
        ]
    if not rows:
        click.echo("no users; add one with 'cheeseshop user add NAME'", err=True)
        return
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@pass_env
def passwd(env, name, password_stdin):
    """Set the password of the user NAME (prompts for it)."""
    # Asked first: on SQLite the session below holds the write lock.
    password = read_password(password_stdin)
    with env.dbsession() as dbsession:
        try:
            accounts.set_password(dbsession, name, password)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"password of {name} changed")


def _set_active(env, name, active):
    with env.dbsession() as dbsession:
        try:
            accounts.set_active(dbsession, name, active)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc


@user.command("disable")
@click.argument("name")
@pass_env
def disable(env, name):
    """Stop every credential of NAME working, from the next request on."""
    _set_active(env, name, False)
    click.echo(f"{name} is disabled")


@user.command("enable")
@click.argument("name")
@pass_env
def enable(env, name):
    """Let NAME sign in again."""
    _set_active(env, name, True)
    click.echo(f"{name} is enabled")

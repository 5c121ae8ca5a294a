import sys

import click

from cheeseshop.accounts import users as accounts
from .context import pass_env


@click.group()
def user():
    """Accounts."""


@user.command("add")
@click.argument("name")
@click.option("--email", help="The user's e-mail address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_env
def add(env, name, email, password_stdin):
    """Create the user NAME (prompts for the password)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with env.dbsession() as dbsession:
        try:
            accounts.create_user(dbsession, name, password, email=email)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"created user {name}")

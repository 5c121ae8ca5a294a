import click

from cheeseshop.accounts import tokens
from cheeseshop.accounts.users import AccountError
from cheeseshop.cli.context import pass_env
from cheeseshop.cli.tables import print_table


@click.group()
def token():
    """API tokens: what CI jobs upload and install with (user name __token__)."""


def _timestamp(value):
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@token.command("create")
@click.argument("user")
@click.option(
    "--project",
    "projects",
    multiple=True,
    help="Upload only to this project (repeat for more). Default: every project of USER.",
)
@click.option("--expires-in", type=click.IntRange(min=1), help="Stop working after DAYS days.")
@click.option("--read-only", is_flag=True, help="May only read: installs from a private index.")
@click.option("--description", default="", help="What the token is for, shown by 'token list'.")
@pass_env
def create(env, user, projects, expires_in, read_only, description):
    """Create a token for USER and print it: it is shown only this once.

    Use it as the password of the user __token__ (twine, uv, poetry, pdm,
    pip)."""
    with env.dbsession() as dbsession:
        key = tokens.load_key(env.settings)
        try:
            row, secret = tokens.create_token(
                dbsession,
                key,
                user,
                projects=projects,
                expires_in_days=expires_in,
                read_only=read_only,
                description=description,
            )
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    # Only the token on stdout, so that TOKEN=$(cheeseshop token create ...) works.
    click.echo(secret)


@token.command("list")
@click.argument("user")
@pass_env
def list_(env, user):
    """USER's tokens (never the tokens themselves)."""
    with env.dbsession() as dbsession:
        try:
            rows = [
                (
                    str(t.id),
                    tokens.describe_scope(t),
                    t.description or "-",
                    _timestamp(t.created),
                    _timestamp(t.last_used),
                    _timestamp(t.expires),
                    "revoked" if t.revoked else "active",
                )
                for t in tokens.list_tokens(dbsession, user)
            ]
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
    if not rows:
        click.echo(
            f"{user} has no tokens; create one with 'cheeseshop token create {user}'", err=True
        )
        return
    print_table(("id", "scope", "description", "created", "last used", "expires", "state"), rows)


@token.command("revoke")
@click.argument("token_or_id", metavar="TOKEN")
@pass_env
def revoke(env, token_or_id):
    """Revoke a token, given as the token itself or its id ('token list').

    It stops working with the next request."""
    with env.dbsession() as dbsession:
        key = tokens.load_key(env.settings)
        try:
            row = tokens.find_token(dbsession, key, token_or_id.strip())
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        if not tokens.revoke(dbsession, row):
            click.echo(f"token {row.id} of {row.user.username} was revoked already")
            return
        click.echo(f"revoked token {row.id} of {row.user.username}")

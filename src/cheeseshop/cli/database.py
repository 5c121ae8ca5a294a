import click

from cheeseshop.cli.context import pass_env


@click.group()
def db():
    """The database schema."""


@db.command()
@pass_env
def upgrade(env):
    """Migrate the database to the newest schema."""
    env.upgrade_database()
    click.echo("database is up to date")

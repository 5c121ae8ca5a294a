"""``cheeseshop cache``: the pull-through cache of ``cheeseshop.upstream``."""

import click
from packaging.utils import canonicalize_name

from cheeseshop.cli.context import pass_env
from cheeseshop.mirror import cache_admin
from cheeseshop.models.timestamps import iso_8601


@click.group()
def cache():
    """The pull-through cache of the upstream index (cheeseshop.upstream)."""


def _run(env, action, *args, **kwargs):
    with env.transaction() as (dbsession, manager):
        try:
            return action(dbsession, env.storage(), manager, *args, **kwargs)
        except cache_admin.CacheError as exc:
            raise click.ClickException(str(exc)) from exc


@cache.command("block")
@click.argument("name")
@click.option("--reason", default="", help="Why, for the audit log and 'cache list'.")
@pass_env
def block(env, name, reason):
    """Never serve NAME from the upstream; what the cache keeps of it goes.

    A project this index hosts is never served from the upstream anyway;
    block a name no one here publishes yet, so that no one can pull in
    the upstream's project of that name."""
    pruned = _run(env, cache_admin.block, name, reason=reason)
    click.echo(f"blocked {canonicalize_name(name)}; removed {pruned}")


@cache.command("unblock")
@click.argument("name")
@pass_env
def unblock(env, name):
    """Let NAME come from the upstream again."""
    with env.transaction() as (dbsession, manager):
        try:
            cache_admin.unblock(dbsession, manager, name)
        except cache_admin.CacheError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"unblocked {canonicalize_name(name)}")


@cache.command("list")
@pass_env
def list_(env):
    """The upstream projects kept, with their files and bytes; then the
    blocked names."""
    with env.dbsession() as dbsession:
        rows = cache_admin.projects(dbsession)
        blocked = cache_admin.blocked(dbsession)
    for row in rows:
        gone = "  (gone from the upstream)" if row.missing else ""
        click.echo(
            f"{row.normalized_name}  {row.files} file(s)  {row.bytes} bytes  "
            f"checked {iso_8601(row.checked)}{gone}"
        )
    for name, created, reason in blocked:
        why = f": {reason}" if reason else ""
        click.echo(f"{name}  blocked since {iso_8601(created)}{why}")
    if not rows and not blocked:
        click.echo("the cache is empty", err=True)


@cache.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Only files not downloaded for DAYS days (and pages left without files).",
)
@click.option("--project", metavar="NAME", help="Only this project's page and files.")
@pass_env
def prune(env, days, project):
    """Remove what the cache keeps (all of it, without options); the next
    download fetches it again."""
    pruned = _run(env, cache_admin.prune, older_than_days=days, project=project)
    click.echo(f"removed {pruned}")


@cache.command("stats")
@pass_env
def stats(env):
    """Projects, files and bytes kept, and how often reads were served
    without asking the upstream."""
    with env.dbsession() as dbsession:
        figures = cache_admin.stats(dbsession)
    click.echo(f"projects: {figures.projects}")
    if figures.missing:
        click.echo(f"projects gone from the upstream: {figures.missing}")
    click.echo(f"files: {figures.files} (and {figures.metadata_files} .metadata)")
    click.echo(f"bytes: {figures.bytes}")
    for label, ratio in (
        ("page hit ratio", figures.page_hit_ratio),
        ("file hit ratio", figures.file_hit_ratio),
    ):
        click.echo(f"{label}: {'-' if ratio is None else f'{ratio:.1%}'}")
    for name, value in sorted(figures.counts.items()):
        click.echo(f"{name}: {value}")

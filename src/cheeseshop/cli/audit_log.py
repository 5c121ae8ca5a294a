import datetime

import click

from cheeseshop.accounts import audit
from cheeseshop.cli.context import pass_env


class Since(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM", param, ctx)
        if moment.tzinfo is not None:
            # Stored as naive UTC.
            moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
        return moment


@click.command("audit")
@click.option("--user", "username", help="Events by this user, or about them.")
@click.option("--project", help="Events about this project.")
@click.option("--since", type=Since(), help="From this date or time on (UTC).")
@pass_env
def audit_log(env, username, project, since):
    """The audit log, oldest first: logins, tokens, roles, users, uploads,
    yanks, removals and status changes, with who, from where, and what."""
    with env.dbsession() as dbsession:
        rows = audit.events(dbsession, username=username, project=project, since=since)
        empty = True
        for row in rows:
            empty = False
            click.echo(_line(row))
    if empty:
        click.echo("no events", err=True)


def _line(row):
    fields = [
        row.occurred.strftime("%Y-%m-%d %H:%M:%S"),
        row.event.ljust(16),
        f"by {row.actor or '-'}",
        f"from {row.address or '-'}",
    ]
    if row.user:
        fields.append(f"user={row.user}")
    if row.project:
        fields.append(f"project={row.project}")
    if row.detail:
        fields.append(row.detail)
    # Names and details come from clients: one event, one line.
    return "  ".join(fields).replace("\n", "\\n").replace("\r", "\\r")

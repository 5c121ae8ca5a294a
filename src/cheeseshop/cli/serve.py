import click

from .context import pass_env


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6543, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@pass_env
def serve(env, host, port, threads):
    """Serve the index with waitress, in the foreground."""
    import waitress
    from pyramid.exceptions import ConfigurationError

    from ..app import main as make_app
    from ..uploads import DEFAULT_MAX_FILE_SIZE
    from ..views.upload import FORM_OVERHEAD

    env.setup_logging()
    try:
        app = make_app({}, **env.settings)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    limit = int(env.settings.get("cheeseshop.max_file_size", DEFAULT_MAX_FILE_SIZE))
    click.echo(f"cheeseshop serving http://{host}:{port}/", err=True)
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        # Let the app answer oversized uploads with its own 413 message.
        max_request_body_size=limit + 2 * FORM_OVERHEAD,
        ident="cheeseshop",
    )

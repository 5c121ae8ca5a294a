import ctypes
import os
import signal
import socket
import sys
import time

import click

from cheeseshop.cli.context import pass_env

# One process by default, the smallest footprint for a laptop index; a
# worker per core (--workers) is what lets reads use a bigger machine, since
# Python runs one thread at a time per process.
DEFAULT_WORKERS = 1

# Slow clients hold connections, never threads (waitress reads a request
# whole before a thread runs it); these bound how many they may hold and for
# how long. An ini's [server:main] may change them.
SLOW_CLIENT_LIMITS = {
    "connection_limit": 200,  # open connections per worker; more wait in the backlog
    "channel_timeout": 60,  # seconds a connection may stay idle
    "cleanup_interval": 15,
    "inbuf_overflow": 512 * 1024,  # request bodies past this spool to disk
}


@click.command()
@click.option("--host", help="Address to listen on [default: the ini's listen, else 127.0.0.1].")
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port [default: the ini's listen, else 6543]."
)
@click.option(
    "--threads",
    type=click.IntRange(1, 1024),
    help="Threads per worker [default: the ini's, else 8].",
)
@click.option(
    "--workers",
    default=DEFAULT_WORKERS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes sharing the port (no state is kept in a worker); "
    "one per CPU core serves the most reads.",
)
@pass_env
def serve(env, host, port, threads, workers):
    """Serve the index with waitress, in the foreground."""
    from cheeseshop.app import make_app
    from cheeseshop.settings import expand_environment, parse_whole_number

    env.setup_logging()
    _return_freed_memory()
    app = make_app(env.settings)
    options = {
        "threads": 8,
        # Bodies larger than an upload may be are refused from their
        # Content-Length, before anything is read (and chunked ones as soon
        # as they pass it): waitress reads a request whole before the app
        # sees it, so this is the bound on what a caller can make it spool.
        "max_request_body_size": env.settings.upload_body_limit,
        "ident": "cheeseshop",
        **SLOW_CLIENT_LIMITS,
    }
    listen_host, listen_port = "127.0.0.1", 6543
    server = {k: expand_environment(k, v) for k, v in env.server_settings().items()}
    if "listen" in server:
        listen_host, _, listen_port = server.pop("listen").split()[0].rpartition(":")
        listen_host = listen_host.strip("[]")
    listen_host = server.pop("host", listen_host)
    listen_port = server.pop("port", listen_port)
    # The rest of [server:main] (trusted_proxy, timeouts, ...) goes to waitress;
    # the body limit is cheeseshop's own (cheeseshop.max_file_size and the
    # cheeseshop.upload.* limits), whatever the ini says.
    server.pop("max_request_body_size", None)
    options.update(server)
    if threads is not None:
        options["threads"] = threads
    host = host or listen_host
    port = port or parse_whole_number("[server:main] listen port", listen_port)
    try:
        listener = _listen(host, port)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from exc
    click.echo(f"cheeseshop serving http://{host}:{port}/ with {workers} worker(s)", err=True)
    if workers == 1:
        _serve(app, listener, options)
    else:
        _prefork(app, listener, options, workers)


def _return_freed_memory():
    """Keep glibc from holding on to large freed buffers.

    glibc raises its mmap threshold to the size of any large block freed, so
    after the first password check (argon2: 19 MiB) such buffers come from the
    heap of each worker thread and stay resident. A fixed threshold (the
    default 128 KiB) makes them mmap'd, so they return to the system when
    freed.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to tune
    M_MMAP_THRESHOLD = -3
    libc.mallopt(M_MMAP_THRESHOLD, 128 * 1024)


def _listen(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    return listener


def _serve(app, listener, options):
    import waitress

    waitress.serve(app, sockets=[listener], **options)


def _prefork(app, listener, options, workers):
    """Fork workers that share the listening socket; restart any that dies,
    stop them all on SIGTERM or SIGINT."""
    children = set()
    stopping = False

    def spawn():
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            # Connections must not cross a fork: start each worker's pools empty.
            for engine in ("db_engine", "db_read_engine"):
                app.registry[engine].dispose(close=False)
            try:
                _serve(app, listener, options)
            finally:
                os._exit(0)
        children.add(pid)

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        spawn()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.discard(pid)
        if not stopping:
            click.echo(f"worker {pid} exited ({status}); starting another", err=True)
            time.sleep(0.5)
            spawn()
    sys.exit(0)

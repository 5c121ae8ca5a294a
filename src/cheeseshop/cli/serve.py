import ctypes
import os
import signal
import socket
import sys
import time
import traceback

import click

from cheeseshop import log_output
from cheeseshop.cli.context import pass_env

# A worker that lived less than SHORT_LIFE seconds is restarted after twice
# the last delay, up to MAX_RESTART_DELAY; otherwise after RESTART_DELAY.
RESTART_DELAY = 0.5
SHORT_LIFE = 10
MAX_RESTART_DELAY = 30

# prctl(2): the signal the kernel sends a process when its parent dies.
PR_SET_PDEATHSIG = 1

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
    type=click.IntRange(1, 64),
    help="Worker processes sharing the port (no state is kept in a worker) "
    "[default: one per CPU core, at most cheeseshop.serve.max_workers].",
)
@pass_env
def serve(env, host, port, threads, workers):
    """Serve the index with waitress, in the foreground."""
    from cheeseshop.app import make_app
    from cheeseshop.settings import expand_environment, parse_whole_number

    max_workers = env.settings.serve_max_workers
    if max_workers < 1:
        raise click.ClickException(
            f"cheeseshop.serve.max_workers = {max_workers}: must be at least 1"
        )
    workers = workers or default_workers(max_workers)
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
    log_output.flush_all()  # what came before, before this line
    click.echo(f"cheeseshop serving http://{host}:{port}/ with {workers} worker(s)", err=True)
    if workers == 1:
        signal.signal(signal.SIGTERM, _flush_log_and_die)
        _serve(app, listener, options)
    else:
        _prefork(app, listener, options, workers)


def default_workers(max_workers: int) -> int:
    """One worker per core this process may run on, at most *max_workers*.

    Python runs one thread at a time per process, so a worker per core is
    what lets reads use the machine; the cores counted are those of the CPU
    affinity (taskset, a container's cpuset), not all the machine has.
    """
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, max_workers))


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
    # SO_REUSEADDR lets a restarted server bind while the connections of the
    # one before linger in TIME_WAIT; on Linux it never lets two sockets
    # listen on one address, so while any process (an old worker still
    # exiting included) listens there, bind fails and serve says so on one
    # line. Never SO_REUSEPORT: it would let the new server share the port
    # with whatever old worker still answers, and split the clients between
    # them.
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
    children = {}  # pid: when it started
    stopping = False
    delay = RESTART_DELAY
    parent = os.getpid()

    def spawn():
        pid = os.fork()
        if pid == 0:
            # Whatever happens, the worker never returns into the parent's loop.
            status = 0
            try:
                signal.signal(signal.SIGTERM, _flush_log_and_die)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _die_with_parent(parent)
                # Connections must not cross a fork: start each worker's pools empty.
                for engine in ("db_engine", "db_read_engine"):
                    app.registry[engine].dispose(close=False)
                _serve(app, listener, options)
            except Exception:
                # The parent starts another: say why this one went.
                status = 1
                traceback.print_exc()
            finally:
                log_output.flush_all()
                os._exit(status)
        children[pid] = time.monotonic()

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for pid in list(children):
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
        started = children.pop(pid, None)
        if not stopping:
            lived = time.monotonic() - started if started is not None else 0
            delay = restart_delay(delay, lived)
            click.echo(f"worker {pid} exited ({status}); starting another in {delay:g}s", err=True)
            restart_at = time.monotonic() + delay
            while not stopping and time.monotonic() < restart_at:
                time.sleep(0.1)  # a SIGTERM meanwhile stops the server at once
            if not stopping:
                spawn()
    sys.exit(0)


def restart_delay(previous: float, lived: float) -> float:
    """Seconds to wait before starting a worker again, after one that lived
    ``lived`` seconds and the ``previous`` delay. A worker that dies as it
    starts (a database gone, a broken setting) would die again at once:
    each time it does, the wait doubles, up to MAX_RESTART_DELAY."""
    if lived > SHORT_LIFE:
        return RESTART_DELAY
    return min(max(previous, RESTART_DELAY) * 2, MAX_RESTART_DELAY)


def _flush_log_and_die(signum, frame):
    """SIGTERM: the log lines still gathered are written (see
    :mod:`cheeseshop.log_output`), then the signal does what it would have."""
    log_output.flush_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _die_with_parent(parent):
    """Have the kernel SIGTERM this worker when *parent* dies (Linux).

    A parent killed with SIGKILL (the OOM killer, ``kill -9``) cannot stop
    its workers: without this they would go on answering on the port they
    share, with nobody to restart them, and hold it against the server a
    supervisor starts next. The signal is tied to the thread that forked,
    which is the parent's main thread (it spawns every worker).
    """
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
    if prctl is None:
        return  # not Linux: nothing to ask the kernel
    if prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
    # The parent may have died between fork() and prctl(), which would then
    # never fire: this worker has been handed to another parent already.
    if os.getppid() != parent:
        os._exit(0)

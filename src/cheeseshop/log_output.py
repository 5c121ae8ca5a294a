"""How ``serve`` writes its log: lines gathered and written in batches, each
stamped with a time formatted once a second.

The access log writes a line per request. Written one by one, each line was
a system call under the handler's lock, and the request threads of a
worker queued for that lock and for the GIL the write let go of: a fifth of
a replayed page's CPU time. Here a line is appended to a list; the list is
written when it holds 64 KiB, when a line of WARNING or above comes (an
error shows at once), half a second after its first line (a thread of the
handler sees to it when the server has gone quiet), and when logging shuts
down. A worker killed outright loses at most that half second of lines.

Both are ordinary :mod:`logging` classes: an ini file names them in its
``[handler_*]`` and ``[formatter_*]`` sections (``production.ini`` does).
"""

import logging
import os
import sys
import threading
import time
import weakref

FLUSH_SECONDS = 0.5
BATCH_BYTES = 64 * 1024


class StampFormatter(logging.Formatter):
    """:class:`logging.Formatter`, its default timestamps formatted once per
    second instead of once per line (``time.strftime`` was a third of
    formatting an access line)."""

    _stamp = (None, "")

    def formatTime(self, record, datefmt=None):
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        stamp = self._stamp
        if stamp[0] != second:
            text = time.strftime(self.default_time_format, self.converter(record.created))
            stamp = self._stamp = (second, text)
        return self.default_msec_format % (stamp[1], record.msecs)


class BatchedStreamHandler(logging.StreamHandler):
    """:class:`logging.StreamHandler` writing in batches (see the module)."""

    def __init__(self, stream=None, flush_seconds=FLUSH_SECONDS, batch_bytes=BATCH_BYTES):
        super().__init__(stream)
        self.flush_seconds = flush_seconds
        self.batch_bytes = batch_bytes
        self._lines = []
        self._size = 0
        self._wake = threading.Event()
        self._closed = False
        self._start_flusher()
        _handlers.add(self)

    def emit(self, record):
        # Called with the handler's lock held (Handler.handle).
        try:
            line = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        first = not self._lines
        self._lines.append(line)
        self._size += len(line)
        if self._size >= self.batch_bytes or record.levelno >= logging.WARNING:
            self._write_batch(record)
        elif first:
            self._wake.set()

    def flush(self):
        with self.lock:
            self._write_batch()

    def close(self):
        self._closed = True
        self._wake.set()
        try:
            self.flush()
        finally:
            super().close()

    def _write_batch(self, record=None):
        if not self._lines:
            return
        text = "".join(self._lines)
        self._lines, self._size = [], 0
        try:
            self.stream.write(text)
            self.stream.flush()
        except Exception:
            if record is None:
                record = logging.makeLogRecord({"msg": "(a batch of log lines)"})
            self.handleError(record)

    def _start_flusher(self):
        thread = threading.Thread(target=self._flush_when_due, name="log-flush", daemon=True)
        thread.start()

    def _flush_when_due(self):
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            # The first line of a batch woke this thread: give the batch its
            # time to fill, then write whatever it holds.
            time.sleep(self.flush_seconds)
            self.flush()

    def _after_fork_in_child(self):
        # The parent's lines are the parent's to write; its thread is not
        # in this process.
        self._lines, self._size = [], 0
        self._wake = threading.Event()
        if not self._closed:
            self._start_flusher()


_handlers = weakref.WeakSet()


def flush_all():
    """Write every batch now: before a fork, ``os._exit`` or a deadly
    signal, which skip logging's own flush at exit."""
    for handler in list(_handlers):
        handler.flush()


def _reset_all_in_child():
    for handler in list(_handlers):
        handler._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    # Written before the fork, so that neither process writes them twice.
    os.register_at_fork(before=flush_all, after_in_child=_reset_all_in_child)


def console_handler():
    """``serve``'s default handler: standard error, batched and stamped."""
    handler = BatchedStreamHandler(sys.stderr)
    handler.setFormatter(StampFormatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
    return handler

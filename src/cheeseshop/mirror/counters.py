"""The cache's hit and fetch counts, for ``cheeseshop cache stats``.

A read must not pay a write: each worker adds up in memory and writes the
sums at most every ``FLUSH_SECONDS`` (a worker that dies loses at most that
much counting, which only a statistic sees).
"""

import logging
import threading
import time

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from cheeseshop.models.upstream import UPSTREAM_COUNTERS

log = logging.getLogger(__name__)

FLUSH_SECONDS = 10

PAGE_HITS = "page hits"  # served without asking the upstream
PAGE_FETCHES = "page fetches"  # asked the upstream (200 or 304)
PAGE_STALE = "pages served stale"  # the upstream did not answer
FILE_HITS = "file hits"
FILE_FETCHES = "file fetches"
NAMES = (PAGE_HITS, PAGE_FETCHES, PAGE_STALE, FILE_HITS, FILE_FETCHES)


class Counters:
    def __init__(self, engine, clock=time.monotonic):
        self.engine = engine
        self.clock = clock
        self._counts = {}
        self._lock = threading.Lock()
        self._flushed = clock()

    def add(self, name, n=1):
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + n
            due = self.clock() - self._flushed >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self):
        with self._lock:
            counts, self._counts = self._counts, {}
            self._flushed = self.clock()
        if not counts:
            return
        try:
            with self.engine.begin() as connection:
                add_counts(connection, counts)
        except Exception:  # a statistic must never fail a download
            log.exception("could not write the cache's counters")


def add_counts(connection, counts):
    for name, n in counts.items():
        changed = connection.execute(
            update(UPSTREAM_COUNTERS)
            .where(UPSTREAM_COUNTERS.c.name == name)
            .values(value=UPSTREAM_COUNTERS.c.value + n)
        ).rowcount
        if not changed:
            try:
                with connection.begin_nested():
                    connection.execute(insert(UPSTREAM_COUNTERS).values(name=name, value=n))
            except IntegrityError:  # another worker's first flush came first
                connection.execute(
                    update(UPSTREAM_COUNTERS)
                    .where(UPSTREAM_COUNTERS.c.name == name)
                    .values(value=UPSTREAM_COUNTERS.c.value + n)
                )

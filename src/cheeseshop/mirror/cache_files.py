"""Files of upstream projects: fetched on their first download, verified,
stored like uploads, served from storage afterwards.

The first download streams the bytes to its client while they arrive, and
to a temporary file; the last block is held back until the whole file
matches the sha256 of the upstream's page and is stored, so no client ever
receives a complete body that was not verified: on a mismatch the
connection ends short of its Content-Length, nothing is kept, and later
requests get a 502 saying why (for ``FAILURE_SECONDS``, then the upstream
is tried again).

Fetches are claimed in the database (a row in state ``fetching``): a second
download of the same file, in any worker on any machine, waits for the
first to finish and is then served from storage; a claim not renewed for
``STALE_CLAIM_SECONDS`` (its worker died) is taken over.
"""

import dataclasses
import enum
import hashlib
import logging
import tempfile
import threading
import time

import urllib3
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cheeseshop.mirror import counters
from cheeseshop.mirror.upstream_client import UpstreamUnavailable
from cheeseshop.models.timestamps import utcnow
from cheeseshop.models.upstream import UPSTREAM_OBJECTS
from cheeseshop.storage import keys

log = logging.getLogger(__name__)

O = UPSTREAM_OBJECTS.c  # noqa: E741

BLOCK_SIZE = 256 * 1024
RENEW_SECONDS = 10
STALE_CLAIM_SECONDS = 60
FAILURE_SECONDS = 60
POLL_SECONDS = 0.2


class State(enum.StrEnum):
    FETCHING = "fetching"
    STORED = "stored"
    FAILED = "failed"


class Refused(Exception):
    """The upstream's bytes were refused (a one-line reason): a 502."""


class WaitedTooLong(Exception):
    """Another download's fetch of the file did not end in time: a 504."""


@dataclasses.dataclass(frozen=True)
class Wanted:
    """An object a ``/cache/`` URL names, with what the page says of it."""

    project_id: int
    file_sha256: str
    name: str  # the filename, or the filename + ".metadata"
    sha256: str  # what the bytes must hash to
    url: str
    size: int | None  # as the page gives it, if it does


def find_stored(connection, file_sha256, name):
    """(id, path, size, last_used) of the stored object, or None: the read
    path's one query."""
    return connection.execute(
        select(O.id, O.path, O.size, O.last_used).where(
            O.file_sha256 == file_sha256, O.name == name, O.state == State.STORED
        )
    ).first()


class LastUse:
    """Writes an object's ``last_used`` at most once a day per worker, so
    that ``cache prune --older-than`` knows what is still wanted."""

    def __init__(self, engine, size=100_000):
        self.engine = engine
        self.size = size
        self._written = {}
        self._lock = threading.Lock()

    def note(self, object_id, last_used):
        today = utcnow().date()
        if last_used is not None and last_used.date() == today:
            return
        with self._lock:
            if self._written.get(object_id) == today:
                return
            if len(self._written) >= self.size:
                self._written.clear()
            self._written[object_id] = today
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(UPSTREAM_OBJECTS).where(O.id == object_id).values(last_used=utcnow())
                )
        except Exception:  # bookkeeping must never fail a download
            log.exception("could not note the use of cached object %s", object_id)


@dataclasses.dataclass(frozen=True)
class Claim:
    id: int


def claim(engine, wanted: Wanted, now=utcnow):
    """Claim the fetch of ``wanted``: a :class:`Claim`, the stored row when
    another fetch stored it, or None while another fetch runs. Raises
    :class:`Refused` while a recent fetch's refusal stands."""
    with engine.begin() as connection:
        try:
            with connection.begin_nested():
                result = connection.execute(
                    insert(UPSTREAM_OBJECTS).values(
                        project_id=wanted.project_id,
                        file_sha256=wanted.file_sha256,
                        name=wanted.name,
                        sha256=wanted.sha256,
                        state=State.FETCHING,
                        claimed=now(),
                    )
                )
            return Claim(result.inserted_primary_key[0])
        except IntegrityError:
            pass
        row = connection.execute(
            select(O.id, O.state, O.claimed, O.failure, O.path, O.size, O.last_used).where(
                O.file_sha256 == wanted.file_sha256, O.name == wanted.name
            )
        ).one()
        age = (now() - row.claimed).total_seconds()
        if row.state == State.STORED:
            return row
        if row.state == State.FAILED and age < FAILURE_SECONDS:
            raise Refused(row.failure)
        if row.state == State.FETCHING and age < STALE_CLAIM_SECONDS:
            return None
        # Compare and set: of two takers, one wins.
        taken = connection.execute(
            update(UPSTREAM_OBJECTS)
            .where(O.id == row.id, O.state == row.state, O.claimed == row.claimed)
            .values(
                state=State.FETCHING,
                claimed=now(),
                failure=None,
                sha256=wanted.sha256,
                project_id=wanted.project_id,
            )
        ).rowcount
        return Claim(row.id) if taken else None


def wait_for(engine, wanted: Wanted, seconds, sleep=time.sleep):
    """Wait while another download fetches ``wanted``: the stored row, or a
    Claim when that fetch was abandoned; raises Refused or WaitedTooLong."""
    deadline = time.monotonic() + seconds
    while True:
        got = claim(engine, wanted)
        if got is not None:
            return got
        if time.monotonic() > deadline:
            raise WaitedTooLong(
                f"{wanted.name} is still being fetched from the upstream; try again later"
            )
        sleep(POLL_SECONDS)


def release(engine, claimed: Claim):
    """Give up a claim nobody needs any more (the client went away)."""
    with engine.begin() as connection:
        connection.execute(
            delete(UPSTREAM_OBJECTS).where(
                UPSTREAM_OBJECTS.c.id == claimed.id, O.state == State.FETCHING
            )
        )


def refuse(engine, claimed: Claim, reason):
    with engine.begin() as connection:
        connection.execute(
            update(UPSTREAM_OBJECTS)
            .where(O.id == claimed.id)
            .values(state=State.FAILED, failure=reason[:1000], claimed=utcnow())
        )


class Fetch:
    """The first download of an object: ``open()`` asks the upstream (and
    raises UpstreamUnavailable or Refused before any byte is sent), then
    iterating yields the bytes as they arrive; the object is stored when
    the iteration ends."""

    def __init__(self, client, storage, engine, counts, wanted, claimed, max_size):
        self.client = client
        self.storage = storage
        self.engine = engine
        self.counts = counts
        self.wanted = wanted
        self.claimed = claimed
        self.max_size = max_size
        self.size = None
        self.response = None

    def open(self):
        try:
            self.response = self.client.open_file(self.wanted.url)
        except UpstreamUnavailable:
            release(self.engine, self.claimed)
            raise
        length = self.response.headers.get("Content-Length", "")
        declared = int(length) if length.isdigit() else None
        size = self.wanted.size if self.wanted.size is not None else declared
        if declared is not None and size != declared:
            self._refuse(
                f"the upstream sent {declared} bytes for {self.wanted.name}, its page says {size}"
            )
        if size is not None and size > self.max_size:
            self._refuse(f"{self.wanted.name} is larger than {self.max_size} bytes")
        self.size = size
        return self

    def _refuse(self, reason):
        if self.response is not None:
            self.response.release_conn()
            self.response = None
        refuse(self.engine, self.claimed, reason)
        raise Refused(reason)

    def __iter__(self):
        """The bytes; with a known size, streamed as they arrive (the last
        block held back until stored); with none, only once stored."""
        finished = False
        try:
            with tempfile.TemporaryFile(prefix="cheeseshop-cache-") as spool:
                held = None
                for block in self._receive(spool):
                    if self.size is None:
                        continue
                    if held is not None:
                        yield held
                    held = block
                if self.size is None:
                    spool.seek(0)
                    while block := spool.read(BLOCK_SIZE):
                        yield block
                elif held is not None:
                    finished = True
                    yield held
                finished = True
        except Refused as exc:
            # Ends the body short of its Content-Length: the client sees a
            # broken download, never a complete one of refused bytes.
            log.warning("refused %s from the upstream: %s", self.wanted.url, exc)
            finished = True
        except UpstreamUnavailable as exc:
            log.warning("could not fetch %s: %s", self.wanted.url, exc)
            release(self.engine, self.claimed)
            finished = True
        finally:
            if self.response is not None:
                self.response.release_conn()
            if not finished:
                # The client went away mid-way: the next download fetches.
                release(self.engine, self.claimed)

    def _receive(self, spool):
        sha256 = hashlib.sha256()
        blake2 = hashlib.blake2b(digest_size=32)
        received = 0
        renewed = time.monotonic()
        limit = self.size if self.size is not None else self.max_size
        try:
            for block in self.response.stream(BLOCK_SIZE):
                received += len(block)
                if received > limit:
                    self._refuse(
                        f"the upstream sent more than {limit} bytes for {self.wanted.name}"
                    )
                spool.write(block)
                sha256.update(block)
                blake2.update(block)
                if time.monotonic() - renewed > RENEW_SECONDS:
                    self._renew()
                    renewed = time.monotonic()
                yield block
        except urllib3.exceptions.HTTPError as exc:
            raise UpstreamUnavailable(f"{self.wanted.url}: {exc}") from None
        if self.size is not None and received != self.size:
            self._refuse(
                f"the upstream sent {received} bytes of {self.wanted.name}, expected {self.size}"
            )
        if sha256.hexdigest() != self.wanted.sha256:
            self._refuse(
                f"the upstream's {self.wanted.name} does not match the sha256 its page gives"
            )
        spool.flush()
        spool.seek(0)
        self._store(spool, keys.file_key(blake2.hexdigest(), self.wanted.name), received)
        self.counts.add(counters.FILE_FETCHES)

    def _renew(self):
        with self.engine.begin() as connection:
            connection.execute(
                update(UPSTREAM_OBJECTS)
                .where(O.id == self.claimed.id, O.state == State.FETCHING)
                .values(claimed=utcnow())
            )

    def _store(self, spool, key, size):
        now = utcnow()
        with self.engine.begin() as connection:
            storage = self.storage
            if storage.transactional:
                storage = storage.for_transaction(Session(bind=connection))
            storage.store(key, spool, size)
            connection.execute(
                update(UPSTREAM_OBJECTS)
                .where(O.id == self.claimed.id)
                .values(
                    state=State.STORED,
                    path=key,
                    size=size,
                    stored=now,
                    last_used=now,
                    failure=None,
                    claimed=now,
                )
            )

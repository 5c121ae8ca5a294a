"""serve's log output (:mod:`cheeseshop.log_output`): lines written in
batches, in order, none lost and none twice; a warning at once; the same
text as logging's own formatter."""

import io
import logging
import os
import time

import pytest

from cheeseshop import log_output


@pytest.fixture
def logger():
    made = []

    def make(handler):
        log = logging.getLogger(f"test.log_output.{len(made)}.{id(handler)}")
        log.propagate = False
        log.setLevel(logging.INFO)
        log.addHandler(handler)
        made.append((log, handler))
        return log

    yield make
    for log, handler in made:
        log.removeHandler(handler)
        handler.close()


def wait_for(predicate, seconds=5):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def test_lines_come_out_together_within_the_flush_interval(logger):
    stream = io.StringIO()
    log = logger(log_output.BatchedStreamHandler(stream, flush_seconds=0.3))
    for n in range(100):
        log.info("line %d", n)
    assert stream.getvalue() == ""  # gathered, not written one by one
    assert wait_for(lambda: stream.getvalue().count("\n") == 100)
    assert stream.getvalue().splitlines() == [f"line {n}" for n in range(100)]


def test_a_warning_is_written_at_once_after_the_lines_before_it(logger):
    stream = io.StringIO()
    log = logger(log_output.BatchedStreamHandler(stream, flush_seconds=60))
    log.info("request")
    log.warning("trouble")
    assert stream.getvalue().splitlines() == ["request", "trouble"]


def test_a_full_batch_is_written_at_once(logger):
    stream = io.StringIO()
    log = logger(log_output.BatchedStreamHandler(stream, flush_seconds=60, batch_bytes=1000))
    for n in range(99):
        log.info("%09d", n)  # 10 bytes a line
    assert stream.getvalue() == ""
    log.info("%09d", 99)
    assert len(stream.getvalue().splitlines()) == 100


def test_closing_writes_what_is_left(logger):
    stream = io.StringIO()
    handler = log_output.BatchedStreamHandler(stream, flush_seconds=60)
    log = logger(handler)
    log.info("last words")
    log_output.flush_all()
    assert stream.getvalue() == "last words\n"
    log.info("and more")
    handler.close()
    assert stream.getvalue() == "last words\nand more\n"


def test_lines_gathered_before_a_fork_are_written_once(logger, tmp_path):
    path = tmp_path / "log"
    with open(path, "w") as stream:
        log = logger(log_output.BatchedStreamHandler(stream, flush_seconds=0.2))
        log.info("before the fork")
        pid = os.fork()
        if pid == 0:  # the child: its own lines, by its own flushing thread
            log.info("in the child")
            time.sleep(1)
            os._exit(0)
        os.waitpid(pid, 0)
        log.info("in the parent")
        assert wait_for(lambda: "in the parent" in path.read_text())
    lines = path.read_text().splitlines()
    assert sorted(lines) == ["before the fork", "in the child", "in the parent"]
    assert lines[0] == "before the fork"


@pytest.mark.parametrize("fmt", [None, "%(asctime)s %(levelname)s [%(name)s] %(message)s"])
def test_the_stamps_are_those_of_logging(fmt):
    ours, theirs = log_output.StampFormatter(fmt), logging.Formatter(fmt)
    # Across a second's boundary, so that the cached stamp must change.
    for created in (1_700_000_000.999, 1_700_000_001.0, 1_700_000_001.5, 1_700_000_000.25):
        record = logging.makeLogRecord(
            {"msg": "m", "created": created, "msecs": created % 1 * 1000}
        )
        record.created, record.msecs = created, int(created % 1 * 1000)
        assert ours.format(record) == theirs.format(record)
        assert ours.formatTime(record) == theirs.formatTime(record)

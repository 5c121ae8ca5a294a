"""Fuzzing archive inspection: any bytes, and any mutation of a real wheel or
sdist, end in metadata or InvalidDistribution — never another exception, and
never more than a moment of work. Bounded for CI by the example count."""

import io
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cheeseshop.publishing.archives import ArchiveLimits, sdist_pkg_info, wheel_metadata
from cheeseshop.publishing.errors import InvalidDistribution
from cheeseshop.publishing.filenames import parse_filename
from tests import factories

LIMITS = ArchiveLimits(
    max_members=1000, max_inflated_size=16 * 1024**2, max_metadata_size=64 * 1024
)
TARGETS = [
    (wheel_metadata, parse_filename("demo-1.0-py3-none-any.whl"), factories.wheel("demo", "1.0")),
    (sdist_pkg_info, parse_filename("demo-1.0.tar.gz"), factories.sdist("demo", "1.0")),
]
FUZZ = settings(max_examples=1500, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def inspect(function, filename, data):
    started = time.monotonic()
    try:
        result = function(io.BytesIO(data), filename, LIMITS)
    except InvalidDistribution:
        result = None
    assert time.monotonic() - started < 1
    assert result is None or len(result) <= LIMITS.max_metadata_size


mutation = st.tuples(
    st.sampled_from(["flip", "cut", "insert", "overwrite"]),
    st.integers(min_value=0, max_value=10**6),
    st.binary(min_size=1, max_size=16),
)


def mutate(data, mutations):
    data = bytearray(data)
    for kind, position, payload in mutations:
        at = position % (len(data) + 1)
        if kind == "flip" and data:
            data[at % len(data)] ^= payload[0] or 1
        elif kind == "cut":
            del data[at : at + len(payload) * 64]
        elif kind == "insert":
            data[at:at] = payload
        else:
            data[at : at + len(payload)] = payload
    return bytes(data)


@FUZZ
@given(target=st.sampled_from(TARGETS), mutations=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_archives(target, mutations):
    function, filename, original = target
    inspect(function, filename, mutate(original, mutations))


@FUZZ
@given(target=st.sampled_from(TARGETS), data=st.binary(max_size=4096))
def test_arbitrary_bytes(target, data):
    function, filename, _ = target
    inspect(function, filename, data)

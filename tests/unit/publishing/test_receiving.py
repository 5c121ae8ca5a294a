"""Receiving an upload's bytes: copied, hashed, limited in size, checked
against the digests the form gives."""

import hashlib
import io

import pytest

from cheeseshop.publishing import errors, receiving
from cheeseshop.publishing.errors import InvalidDistribution


def test_receive_copies_and_hashes():
    data = bytes(range(256)) * 9000  # more than one copy chunk
    received = receiving.receive(io.BytesIO(data), max_size=len(data))
    try:
        assert received.size == len(data)
        assert received.md5 == hashlib.md5(data).hexdigest()
        assert received.sha256 == hashlib.sha256(data).hexdigest()
        assert received.blake2_256 == hashlib.blake2b(data, digest_size=32).hexdigest()
        assert received.file.read() == data
    finally:
        received.close()


def test_receive_stops_at_the_limit():
    with pytest.raises(errors.FileTooLarge) as raised:
        receiving.receive(io.BytesIO(b"x" * 1001), max_size=1000)
    assert str(raised.value).startswith("File too large. Limit is 1000 bytes")
    with pytest.raises(errors.FileTooLarge) as raised:
        receiving.receive(io.BytesIO(b"x" * 20), max_size=10)
    assert "10 bytes" in str(raised.value)


def test_file_too_large_message_names_the_limit():
    assert receiving.file_too_large_message(1024**3) == (
        "File too large. Limit is 1 GiB (1073741824 bytes)."
    )
    assert receiving.file_too_large_message(100 * 1024 * 1024) == (
        "File too large. Limit is 100 MiB (104857600 bytes)."
    )
    assert receiving.file_too_large_message(1536) == (
        "File too large. Limit is 1.5 KiB (1536 bytes)."
    )


def test_check_digests():
    data = b"some distribution"
    received = receiving.receive(io.BytesIO(data), max_size=100)
    md5 = hashlib.md5(data).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    blake2 = hashlib.blake2b(data, digest_size=32).hexdigest()
    receiving.check_digests(received, md5=md5)
    receiving.check_digests(received, sha256=sha256.upper())
    receiving.check_digests(received, md5=md5, sha256=sha256, blake2_256=blake2)
    with pytest.raises(InvalidDistribution, match="Include at least one message digest"):
        receiving.check_digests(received)
    with pytest.raises(InvalidDistribution, match="Include at least one message digest"):
        receiving.check_digests(received, md5="", sha256="")
    for wrong in ({"md5": "0" * 32}, {"sha256": sha256, "blake2_256": "0" * 64}):
        with pytest.raises(InvalidDistribution, match="does not match"):
            receiving.check_digests(received, **wrong)
    received.close()

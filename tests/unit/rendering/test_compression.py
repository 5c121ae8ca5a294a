"""Which content encoding a client asked for, and pages in it."""

import gzip
import random
import zlib

import brotli
import pytest

from cheeseshop.rendering import compression
from cheeseshop.rendering.page_cache import PageCache


@pytest.mark.parametrize(
    "accept_encoding, chosen",
    [
        # What clients send: browsers, curl --compressed, pip/requests, uv.
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("gzip, br", "br"),
        ("br", "br"),
        ("GZip", "gzip"),
        ("x-gzip", "gzip"),  # RFC 9110 8.4.1.3
        # q-values: the higher wins, brotli at equal q.
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0.8, br;q=0.9", "br"),
        ("gzip;q=0.5, br;q=0.5", "br"),
        ("gzip;q=0.5", "gzip"),
        # q=0 refuses.
        ("br;q=0, gzip", "gzip"),
        ("br;q=0, gzip;q=0", None),
        ("gzip;q=0", None),
        # "*" is any coding not named.
        ("*", "br"),
        ("br;q=0, *", "gzip"),
        ("gzip;q=0.2, *;q=0.1", "gzip"),
        ("*;q=0", None),
        ("*;q=0, gzip", "gzip"),
        # identity preferred outright.
        ("identity;q=1, gzip;q=0.5", None),
        ("identity;q=0.5, gzip", "gzip"),
        ("br, identity;q=1", "br"),
        # Nothing of ours, none at all, or nothing readable: as it is.
        (None, None),
        ("", None),
        ("identity", None),
        ("deflate, zstd", None),
        ("gzip;q=2", None),
        ("gzip;;", None),
    ],
)
def test_the_encoding_a_client_asked_for(accept_encoding, chosen):
    assert compression.chosen_encoding(accept_encoding) == chosen


def test_a_long_header_is_chosen_from_without_being_remembered():
    long_value = "identity;q=0.1, " * 20 + "gzip"
    assert len(long_value) > compression.MAX_REMEMBERED
    before = compression._remembered_choice.cache_info().currsize
    assert compression.chosen_encoding(long_value) == "gzip"
    assert compression._remembered_choice.cache_info().currsize == before


def page_of(size):
    """Text that compresses like a page: names, repeated with variations."""
    rng = random.Random(size)
    words = ["demo", "pkg", "cheese", "shop", "lib", "tools", "api", "client"]
    out, length = [], 0
    while length < size:
        name = "-".join(rng.choice(words) for _ in range(3)) + str(rng.randint(0, 99999))
        line = f'    <a href="{name}/">{name}</a>\n'
        out.append(line)
        length += len(line)
    return "".join(out).encode()[:size]


DECOMPRESS = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.mark.parametrize("encoding", compression.ENCODINGS)
@pytest.mark.parametrize("size", [0, 10, compression.BLOCK, 3 * compression.BLOCK + 12345])
def test_a_page_compressed_whole_or_in_pieces_gives_the_same_bytes(encoding, size):
    page = page_of(size)
    whole = compression.compress(page, encoding)
    assert DECOMPRESS[encoding](whole) == page
    rng = random.Random(size)
    encoder, pieces, at = compression.Encoder(encoding), [], 0
    while at < len(page):
        step = rng.randint(1, 100_000)
        pieces.append(encoder.compress(page[at : at + step]))
        at += step
    pieces.append(encoder.finish())
    assert b"".join(pieces) == whole


@pytest.mark.parametrize("encoding", compression.ENCODINGS)
def test_a_streamed_page_is_sent_as_it_is_compressed_not_at_the_end(encoding):
    page = page_of(4 * compression.BLOCK)
    encoder = compression.Encoder(encoding)
    assert encoder.compress(page[: compression.BLOCK - 1]) == b""
    first = encoder.compress(page[compression.BLOCK - 1 : compression.BLOCK])
    # What the first block gave decompresses to (most of) that block.
    if encoding == "br":
        decompressor = brotli.Decompressor()
        so_far = [decompressor.process(first)]
        while so_far[-1]:  # given out a piece at a time
            so_far.append(decompressor.process(b""))
        assert b"".join(so_far) == page[: compression.BLOCK]
    else:
        so_far = zlib.decompressobj(31).decompress(first)
        assert len(so_far) > compression.BLOCK // 2 and page.startswith(so_far)
    rest = encoder.compress(page[compression.BLOCK :]) + encoder.finish()
    assert DECOMPRESS[encoding](first + rest) == page


def test_compressed_pages_are_stable_and_smaller():
    page = page_of(200_000)
    gzipped = compression.compress(page, "gzip")
    assert gzipped[4:8] == b"\0\0\0\0"  # mtime 0: the same bytes every time
    assert gzipped == compression.compress(page, "gzip")
    assert compression.compress(page, "br") == compression.compress(page, "br")
    assert len(compression.compress(page, "br")) < len(page) / 3
    assert len(gzipped) < len(page) / 3


def test_only_our_encodings_are_made():
    with pytest.raises(ValueError, match="deflate"):
        compression.Encoder("deflate")


def test_each_form_of_a_page_is_made_once_and_kept_under_its_own_key():
    cache, renders = PageCache(), []

    def render():
        renders.append(1)
        return b"<html>page</html>" * 100

    key = ("simple", 1, 7)
    page = compression.cached_page(cache, key, render, None)
    for encoding in compression.ENCODINGS:
        for _ in range(2):
            compressed = compression.cached_page(cache, key, render, encoding)
            assert DECOMPRESS[encoding](compressed) == page
        assert cache.get(key + (encoding,)) == compressed
    assert len(renders) == 1


def test_a_compressed_form_is_made_from_a_page_rendered_for_it():
    cache = PageCache()
    key = ("json", 1, 7)
    compressed = compression.cached_page(cache, key, lambda: b'{"a": 1}', "gzip")
    assert gzip.decompress(compressed) == b'{"a": 1}'
    assert cache.get(key) == b'{"a": 1}'  # the page itself is kept too


def test_no_page_has_no_compressed_form():
    cache = PageCache()
    assert compression.cached_page(cache, ("root", 3), lambda: None, "br") is None
    assert cache.get(("root", 3, "br")) is None
    cache.put(("root", 3), b"the list")
    assert brotli.decompress(compression.cached_page(cache, ("root", 3), lambda: None, "br")) == (
        b"the list"
    )

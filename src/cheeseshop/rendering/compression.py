"""The content encodings pages are sent in: which one a client asked for
(``Accept-Encoding``), and a page's bytes in it, kept in the page cache
next to the page itself."""

import functools
import zlib

import brotli
from webob.acceptparse import AcceptEncodingValidHeader, create_accept_encoding_header

BROTLI = "br"
GZIP = "gzip"
# In the order preferred at equal q: brotli's output is the smaller.
ENCODINGS = (BROTLI, GZIP)

GZIP_LEVEL = 6
# Measured on 4.5 MiB root lists of 100k names (HTML and JSON, one busy
# core, in 256 KiB blocks): quality 5 makes 0.18 (HTML) and 0.22 (JSON) of
# the size in 0.15 to 0.3 s, against gzip's 0.18 and 0.23 in 0.1 to 0.2 s;
# 4 is larger than gzip, 6 to 9 take up to five times as long for the same
# size, 11 takes 10 s for 0.15. The first byte of a stream: under 15 ms.
BROTLI_QUALITY = 5
# A page is compressed in blocks of this size: brotli (quality 4 and more)
# otherwise holds everything until the end, and a streamed list's first byte
# would wait for its last. Blocks cost brotli under 1% of size at this size.
BLOCK = 256 * 1024


def chosen_encoding(accept_encoding: str | None) -> str | None:
    """The encoding to send a page in, ``"br"`` or ``"gzip"``, for a
    request whose ``Accept-Encoding`` is ``accept_encoding``; None for the
    page as it is (identity).

    As RFC 9110 (12.5.3) says: each coding's q-value is its own or that of
    ``*``, q=0 refuses; ``identity`` wins only when it is given a higher q
    than both. With no header, or one that cannot be read, the page goes as
    it is: every client can read that.
    """
    if accept_encoding is None:
        return None
    if len(accept_encoding) <= MAX_REMEMBERED:
        return _remembered_choice(accept_encoding)
    return _choice(accept_encoding)


def _choice(accept_encoding):
    header = create_accept_encoding_header(accept_encoding)
    if not isinstance(header, AcceptEncodingValidHeader):
        return None
    qualities = {}
    for coding, quality in header.parsed:
        coding = coding.lower()
        # RFC 9110 8.4.1.3: "x-gzip" is "gzip".
        qualities.setdefault("gzip" if coding == "x-gzip" else coding, quality)
    anything = qualities.get("*", 0.0)
    # max() keeps the first of equals: brotli over gzip.
    best = max(ENCODINGS, key=lambda coding: qualities.get(coding, anything))
    quality = qualities.get(best, anything)
    if quality == 0.0 or quality < qualities.get("identity", 0.0):
        return None
    return best


# Clients send a handful of Accept-Encoding values; parsing one costs more
# than a cached page's other work. Short ones are remembered (bounded: a
# caller choosing the values can only push out others).
MAX_REMEMBERED = 256
_remembered_choice = functools.lru_cache(maxsize=128)(_choice)


def variant(form: str, encoding: str | None) -> str:
    """The ETag variant of a page of ``form`` sent in ``encoding``: each
    encoding has its own, so no cache ever mixes one up with another."""
    return f"{form}-{encoding}" if encoding else form


class Encoder:
    """Compresses a page handed over in pieces, as it is streamed.

    The output depends on the page's bytes alone, not on where the pieces
    were cut: a streamed page and :func:`compress` of the same page give the
    same bytes, so both can carry one ETag.
    """

    def __init__(self, encoding: str):
        if encoding not in ENCODINGS:
            raise ValueError(f"Not a content encoding of ours: {encoding!r}")
        self.encoding = encoding
        if encoding == BROTLI:
            self._brotli = brotli.Compressor(quality=BROTLI_QUALITY)
        else:
            # wbits 31: a gzip member (RFC 1952) with mtime 0.
            self._zlib = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        self._pending = bytearray()

    def compress(self, data: bytes) -> bytes:
        """Compressed bytes of the page so far; maybe none yet."""
        self._pending += data
        whole = len(self._pending) - len(self._pending) % BLOCK
        if not whole:
            return b""
        out = [
            self._block(bytes(self._pending[start : start + BLOCK]))
            for start in range(0, whole, BLOCK)
        ]
        del self._pending[:whole]
        return b"".join(out)

    def finish(self) -> bytes:
        """The rest of the compressed page."""
        rest, self._pending = bytes(self._pending), bytearray()
        if self.encoding == BROTLI:
            return self._brotli.process(rest) + self._brotli.finish()
        return self._zlib.compress(rest) + self._zlib.flush()

    def _block(self, block):
        if self.encoding == BROTLI:
            # Flushed: what the block holds is sent now, not at the end.
            return self._brotli.process(block) + self._brotli.flush()
        # zlib sends as it goes, the same bytes whatever the pieces.
        return self._zlib.compress(block)


def compress(page: bytes, encoding: str) -> bytes:
    """``page`` in ``encoding``."""
    encoder = Encoder(encoding)
    return encoder.compress(page) + encoder.finish()


def cached_page(cache, key, render, encoding: str | None):
    """The page under ``key`` in ``encoding`` (None: as rendered), from
    ``cache`` (a :class:`~cheeseshop.rendering.page_cache.PageCache`) or
    made and kept there: the page under ``key`` by ``render()``, its
    compressed form under ``key + (encoding,)``, so each is made once per
    serial. ``render`` may find there is no page (None), and then so does
    this."""
    if encoding is None:
        return cache.get_or_render(key, render)

    def compressed():
        page = cache.get_or_render(key, render)
        return None if page is None else compress(page, encoding)

    return cache.get_or_render(key + (encoding,), compressed)

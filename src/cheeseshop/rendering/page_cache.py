"""Rendered pages, kept in memory keyed by what they depend on.

A key always includes the serial the page was rendered at, which every
request reads from the database first: an entry can be missing, never stale,
so each worker keeps its own cache and scaling out needs no coordination.

Entries are anything with a length (bytes, or the replay's kept
responses), counted against ``max_bytes``.

The cache is a segmented LRU, so that one walk over every page (a mirror
crawling the index, a search engine) cannot push out the pages clients keep
asking for: an entry starts on probation, and only a second read moves it
to the protected segment (at most four fifths of the budget). Evictions
take from probation first. With a plain LRU, a crawl of a 100k-project
index (some 220 MiB of pages) left a 64 MiB cache with no hits at all.
"""

import collections
import threading

PROTECTED_SHARE = 0.8


class PageCache:
    def __init__(self, max_bytes=64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.max_protected = int(max_bytes * PROTECTED_SHARE)
        self._probation = collections.OrderedDict()
        self._protected = collections.OrderedDict()
        self._bytes = 0
        self._protected_bytes = 0
        self._lock = threading.Lock()

    def __len__(self):
        """How many entries are kept."""
        return len(self._probation) + len(self._protected)

    def get(self, key):
        with self._lock:
            page = self._protected.get(key)
            if page is not None:
                self._protected.move_to_end(key)
                return page
            page = self._probation.pop(key, None)
            if page is not None:
                self._protect(key, page)
            return page

    def _protect(self, key, page):
        self._protected[key] = page
        self._protected_bytes += len(page)
        while self._protected_bytes > self.max_protected:
            # Demoted, not dropped: back on probation as its newest entry.
            old_key, old = self._protected.popitem(last=False)
            self._protected_bytes -= len(old)
            self._probation[old_key] = old

    def put(self, key, page):
        if len(page) > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._protected:
                old = self._protected[key]
                self._protected[key] = page
                self._protected_bytes += len(page) - len(old)
            else:
                old = self._probation.pop(key, None)
                self._probation[key] = page
            self._bytes += len(page) - (len(old) if old is not None else 0)
            while self._bytes > self.max_bytes:
                segment = self._probation or self._protected
                _, evicted = segment.popitem(last=False)
                self._bytes -= len(evicted)
                if segment is self._protected:
                    self._protected_bytes -= len(evicted)

    def get_or_render(self, key, render):
        """The cached page, or ``render()``'s. A render may find there is no
        page (None); that is not kept, and found again next time."""
        page = self.get(key)
        if page is None:
            page = render()
            if page is not None:
                self.put(key, page)
        return page

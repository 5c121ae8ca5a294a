"""Rendered pages, kept in memory keyed by what they depend on.

A key always includes the serial the page was rendered at, which every
request reads from the database first: an entry can be missing, never stale,
so each worker keeps its own cache and scaling out needs no coordination.
"""

import collections
import threading


class PageCache:
    def __init__(self, max_bytes=64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._pages = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key, page: bytes):
        if len(page) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._pages[key] = page
            self._bytes += len(page)
            while self._bytes > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted)

    def get_or_render(self, key, render):
        """The cached page, or ``render()``'s. A render may find there is no
        page (None); that is not kept, and found again next time."""
        page = self.get(key)
        if page is None:
            page = render()
            if page is not None:
                self.put(key, page)
        return page

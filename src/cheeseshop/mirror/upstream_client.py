"""HTTP to another index: its project pages and its files.

Every call is bounded: a connect and read timeout, a deadline for a whole
page, and a largest page; an upstream that is down, slow, answers 5xx or
sends what we cannot read raises :class:`UpstreamUnavailable` with a line
that says so. No retries here: the callers decide (serve stale, or fail).
"""

import dataclasses
import time
import urllib.parse

import urllib3

from cheeseshop.mirror import simple_pages

CHUNK = 64 * 1024


class UpstreamUnavailable(Exception):
    """The upstream could not answer as asked (a one-line reason)."""


@dataclasses.dataclass(frozen=True)
class PageAnswer:
    """``page`` is None when the upstream said 304 (``not_modified``) or
    that the project does not exist there (``missing``)."""

    page: simple_pages.UpstreamPage | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    missing: bool = False


def project_url(index_url: str, normalized_name: str) -> str:
    return index_url.rstrip("/") + "/" + urllib.parse.quote(normalized_name) + "/"


class UpstreamClient:
    def __init__(self, index_url, timeout=10.0, max_page_bytes=64 * 1024**2, user_agent=None):
        self.index_url = index_url
        self.timeout = timeout
        self.max_page_bytes = max_page_bytes
        self.pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=16,
            retries=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            headers={"User-Agent": user_agent or "cheeseshop"},
        )

    def project_page(self, normalized_name, etag=None, last_modified=None) -> PageAnswer:
        """The project's page, conditionally when validators are given."""
        url = project_url(self.index_url, normalized_name)
        headers = {"Accept": simple_pages.ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self._request("GET", url, headers)
        try:
            if response.status == 304:
                return PageAnswer(
                    etag=response.headers.get("ETag") or etag,
                    last_modified=response.headers.get("Last-Modified") or last_modified,
                    not_modified=True,
                )
            if response.status in (404, 410):
                return PageAnswer(missing=True)
            if response.status != 200:
                raise UpstreamUnavailable(f"{url} answered {response.status}")
            body = self._read_whole(response, url)
            # urllib3 gives the path alone (absolute after a redirect):
            # relative links (pypiserver's) resolve against the whole URL.
            final_url = urllib.parse.urljoin(url, response.geturl() or url)
            try:
                page = simple_pages.parse(
                    body, response.headers.get("Content-Type", ""), final_url, normalized_name
                )
            except simple_pages.PageError as exc:
                raise UpstreamUnavailable(f"{url}: {exc}") from None
            serial = response.headers.get("X-PyPI-Last-Serial", "")
            if page.last_serial is None and serial.isdigit():
                page = dataclasses.replace(page, last_serial=int(serial))
            return PageAnswer(
                page=page,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
        finally:
            response.release_conn()

    def project_names(self) -> list[str]:
        """The names of every project the index's root page lists."""
        url = self.index_url.rstrip("/") + "/"
        response = self._request("GET", url, {"Accept": simple_pages.ACCEPT})
        try:
            if response.status != 200:
                raise UpstreamUnavailable(f"{url} answered {response.status}")
            body = self._read_whole(response, url)
            try:
                return simple_pages.parse_root(body, response.headers.get("Content-Type", ""))
            except simple_pages.PageError as exc:
                raise UpstreamUnavailable(f"{url}: {exc}") from None
        finally:
            response.release_conn()

    def open_file(self, url):
        """A streaming response for a file's bytes (``.stream(n)``, then
        ``.release_conn()``); raises UpstreamUnavailable unless it is 200."""
        response = self._request("GET", url, {"Accept-Encoding": "identity"})
        if response.status != 200:
            response.release_conn()
            if response.status in (404, 410):
                raise UpstreamUnavailable(f"{url} is not on the upstream ({response.status})")
            raise UpstreamUnavailable(f"{url} answered {response.status}")
        return response

    def _request(self, method, url, headers):
        try:
            return self.pool.request(
                method, url, headers=headers, preload_content=False, redirect=True
            )
        except urllib3.exceptions.HTTPError as exc:
            raise UpstreamUnavailable(f"{url}: {_reason(exc)}") from None

    def _read_whole(self, response, url):
        deadline = time.monotonic() + self.timeout
        chunks, size = [], 0
        try:
            for chunk in response.stream(CHUNK):
                size += len(chunk)
                if size > self.max_page_bytes:
                    raise UpstreamUnavailable(f"{url} is larger than {self.max_page_bytes} bytes")
                if time.monotonic() > deadline:
                    raise UpstreamUnavailable(f"{url} took longer than {self.timeout:g} s")
                chunks.append(chunk)
        except urllib3.exceptions.HTTPError as exc:
            raise UpstreamUnavailable(f"{url}: {_reason(exc)}") from None
        return b"".join(chunks)

    def close(self):
        self.pool.clear()


def _reason(exc):
    reason = getattr(exc, "reason", None) or exc
    return " ".join(str(reason).split())[:300]

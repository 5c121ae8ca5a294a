"""Another index's project page (PEP 691 JSON or PEP 503 HTML), read into
one shape whatever its format, for the pull-through cache and for imports.

What the page says about each file is kept as it said it: hashes,
requires-python, yanked with its reason, core-metadata, size, upload-time,
the project's status (PEP 592, 658/714, 700, 792). A link without a sha256
is kept with ``sha256`` None: a caller that must verify bytes leaves it out.
"""

import dataclasses
import html.parser
import json
import re
import urllib.parse

JSON = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
# JSON first; HTML for indexes that only speak PEP 503.
ACCEPT = f"{JSON}, {HTML_V1};q=0.2, text/html;q=0.1"

SHA256 = re.compile(r"[0-9a-f]{64}")


class PageError(ValueError):
    """The page is not a simple repository page we can read."""


@dataclasses.dataclass(frozen=True)
class UpstreamFile:
    filename: str
    url: str  # absolute, without the #fragment
    sha256: str | None
    requires_python: str | None = None
    # PEP 658/714: None when the index offers no metadata file; the sha256
    # of the file, or "" when offered without a hash.
    metadata_sha256: str | None = None
    # PEP 592: None when not yanked, else the reason ("" when none given).
    yanked: str | None = None
    size: int | None = None
    upload_time: str | None = None

    def as_json(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class UpstreamPage:
    name: str
    files: tuple[UpstreamFile, ...]
    versions: tuple[str, ...] = ()
    status: str | None = None  # PEP 792
    status_reason: str | None = None
    last_serial: int | None = None

    def as_json(self):
        return {
            "name": self.name,
            "files": [f.as_json() for f in self.files],
            "versions": list(self.versions),
            "status": self.status,
            "status_reason": self.status_reason,
            "last_serial": self.last_serial,
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            name=data["name"],
            files=tuple(UpstreamFile(**f) for f in data["files"]),
            versions=tuple(data.get("versions") or ()),
            status=data.get("status"),
            status_reason=data.get("status_reason"),
            last_serial=data.get("last_serial"),
        )


def parse(body: bytes, content_type: str, page_url: str, name: str) -> UpstreamPage:
    """The page in ``body``, as answered for ``page_url`` with
    ``content_type``; ``name`` is the project asked for."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type == JSON or media_type.endswith("+json") or media_type == "application/json":
        return parse_json(body, page_url, name)
    return parse_html(body, page_url, name)


def _text(value, what):
    if value is None:
        return None
    if not isinstance(value, str):
        raise PageError(f"{what} is not text")
    return value


def _metadata(value):
    # PEP 714 "core-metadata" (or PEP 658's older key): false, true, or hashes.
    if value is None or value is False:
        return None
    if value is True:
        return ""
    if isinstance(value, dict):
        digest = value.get("sha256")
        return (
            digest.lower() if isinstance(digest, str) and SHA256.fullmatch(digest.lower()) else ""
        )
    raise PageError("core-metadata is neither a boolean nor a dictionary of hashes")


def _yanked(value):
    if value is None or value is False:
        return None
    if value is True:
        return ""
    if isinstance(value, str):
        return value
    raise PageError("yanked is neither a boolean nor a reason")


def parse_json(body: bytes, page_url: str, name: str) -> UpstreamPage:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PageError(f"the JSON page does not parse: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise PageError("the JSON page has no list of files")
    files = []
    for entry in data["files"]:
        if not isinstance(entry, dict):
            raise PageError("a file entry is not an object")
        filename = _text(entry.get("filename"), "filename")
        url = _text(entry.get("url"), "url")
        if not filename or not url:
            raise PageError("a file entry has no filename or url")
        hashes = entry.get("hashes") or {}
        digest = hashes.get("sha256") if isinstance(hashes, dict) else None
        digest = digest.lower() if isinstance(digest, str) else None
        size = entry.get("size")
        metadata = entry.get("core-metadata", entry.get("data-dist-info-metadata"))
        files.append(
            UpstreamFile(
                filename=filename,
                url=urllib.parse.urljoin(page_url, url).split("#")[0],
                sha256=digest if digest and SHA256.fullmatch(digest) else None,
                requires_python=_text(entry.get("requires-python"), "requires-python") or None,
                metadata_sha256=_metadata(metadata),
                yanked=_yanked(entry.get("yanked")),
                size=size if isinstance(size, int) and size >= 0 else None,
                upload_time=_text(entry.get("upload-time"), "upload-time"),
            )
        )
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    serial = meta.get("_last-serial")
    status = data.get("project-status") if isinstance(data.get("project-status"), dict) else {}
    versions = data.get("versions") if isinstance(data.get("versions"), list) else []
    return UpstreamPage(
        name=_text(data.get("name"), "name") or name,
        files=tuple(files),
        versions=tuple(v for v in versions if isinstance(v, str)),
        status=_text(status.get("status"), "status"),
        status_reason=_text(status.get("reason"), "status reason"),
        last_serial=serial if isinstance(serial, int) else None,
    )


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []  # (attributes, text)
        self.meta = {}
        self._open = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self._open = (attributes, [])
            self.links.append(self._open)
        elif tag == "meta" and attributes.get("name"):
            self.meta[attributes["name"]] = attributes.get("content")

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open[1].append(data)


def _html_metadata(attributes):
    value = attributes.get("data-core-metadata", attributes.get("data-dist-info-metadata"))
    if value is None:
        return None
    algorithm, _, digest = value.partition("=")
    if algorithm == "sha256" and SHA256.fullmatch(digest.lower()):
        return digest.lower()
    return ""


def parse_html(body: bytes, page_url: str, name: str) -> UpstreamPage:
    parser = _Links()
    try:
        parser.feed(body.decode("utf-8"))
        parser.close()
    except UnicodeDecodeError:
        raise PageError("the HTML page is not UTF-8") from None
    files = []
    for attributes, text in parser.links:
        href = attributes.get("href")
        if not href:
            continue
        url = urllib.parse.urljoin(page_url, href)
        url, _, fragment = url.partition("#")
        filename = "".join(text).strip() or urllib.parse.unquote(url.rsplit("/", 1)[-1])
        algorithm, _, digest = fragment.partition("=")
        digest = digest.lower()
        files.append(
            UpstreamFile(
                filename=filename,
                url=url,
                sha256=digest if algorithm == "sha256" and SHA256.fullmatch(digest) else None,
                requires_python=attributes.get("data-requires-python") or None,
                metadata_sha256=_html_metadata(attributes),
                # <a data-yanked> (no value) is yanked without a reason.
                yanked=(attributes["data-yanked"] or "") if "data-yanked" in attributes else None,
            )
        )
    return UpstreamPage(
        name=name,
        files=tuple(files),
        status=parser.meta.get("pypi:project-status"),
        status_reason=parser.meta.get("pypi:project-status-reason"),
    )


def parse_root(body: bytes, content_type: str) -> list[str]:
    """The project names an index's root page (``/simple/``) lists: PEP 691
    JSON's ``projects``, or the text of PEP 503 HTML's links."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type == JSON or media_type.endswith("+json") or media_type == "application/json":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PageError(f"the JSON root page does not parse: {exc}") from None
        projects = data.get("projects") if isinstance(data, dict) else None
        if not isinstance(projects, list):
            raise PageError("the JSON root page has no list of projects")
        names = [p.get("name") for p in projects if isinstance(p, dict)]
        return [name for name in names if isinstance(name, str) and name]
    parser = _Links()
    try:
        parser.feed(body.decode("utf-8"))
        parser.close()
    except UnicodeDecodeError:
        raise PageError("the HTML root page is not UTF-8") from None
    names = ("".join(text).strip() for attributes, text in parser.links if attributes.get("href"))
    return [name for name in names if name]

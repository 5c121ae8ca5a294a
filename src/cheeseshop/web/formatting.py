"""How a release's metadata is shown to people: sizes, links, classifiers,
keywords, e-mail addresses, dates.

Everything here returns plain values for templates, which escape them; the
one decision made here that escaping cannot make is which URLs become links.
"""

import datetime
import email.utils
import re
import urllib.parse
from typing import NamedTuple

import readme_renderer.clean

UNITS = ("KiB", "MiB", "GiB", "TiB")


def human_size(size: int) -> str:
    """``1536`` -> ``1.5 KiB``; below 1 KiB, bytes."""
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    value = size / 1024
    for unit in UNITS[:-1]:
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {UNITS[-1]}"


MAX_URL = 2000


def web_link(url) -> str | None:
    """``url`` when a page of ours may link to it: an absolute http(s) URL
    without whitespace or control characters (which browsers drop, so that
    ``java\\tscript:`` would be ``javascript:``). Anything else (a
    ``javascript:`` or ``data:`` URL, a relative path) is None: shown as
    text, never followed."""
    if not url or len(url) > MAX_URL:
        return None
    if any(not c.isprintable() or c.isspace() for c in url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


class Link(NamedTuple):
    label: str
    url: str
    href: str | None  # None: not a URL to follow, shown as text


def project_links(release) -> list[Link]:
    """The release's URLs: Homepage, the Project-URLs in their order, and
    Download, as declared."""
    links = []
    if release.home_page:
        links.append(Link("Homepage", release.home_page, web_link(release.home_page)))
    for label, url in (release.project_urls or {}).items():
        links.append(Link(str(label), str(url), web_link(str(url))))
    if release.download_url:
        links.append(Link("Download", release.download_url, web_link(release.download_url)))
    return links


def grouped_classifiers(classifiers) -> list[tuple[str, list[str]]]:
    """``Topic :: Software Development :: Build Tools`` under ``Topic`` as
    ``Software Development :: Build Tools``; groups and entries sorted."""
    groups = {}
    for classifier in classifiers or ():
        group, _, rest = str(classifier).partition(" :: ")
        groups.setdefault(group, []).append(rest or group)
    return [(group, sorted(entries)) for group, entries in sorted(groups.items())]


def keyword_list(keywords) -> list[str]:
    """Keywords as uploads store them (comma-separated), or as old clients
    sent them (separated by spaces)."""
    if not keywords:
        return []
    separator = "," if "," in keywords else None
    return [k.strip() for k in keywords.split(separator) if k.strip()]


class Person(NamedTuple):
    name: str
    email: str | None  # an address to write to, or None


PLAIN_ADDRESS = re.compile(r"[^@\s<>\"'(),;:\\]+@[^@\s<>\"'(),;:\\]+")


def people(name, addresses) -> list[Person]:
    """The author (or maintainer) fields as people: ``Author-email`` may hold
    names with addresses (``Jane <jane@example.org>, Joe <joe@…>``), and
    ``Author`` a name alone."""
    parsed = [
        (display, address)
        for display, address in email.utils.getaddresses([addresses or ""])
        if PLAIN_ADDRESS.fullmatch(address)
    ]
    # The name goes with the address only when there is one of each.
    alone = name if len(parsed) == 1 else None
    found = [Person(display or alone or address, address) for display, address in parsed]
    if not found and (name or addresses):
        found.append(Person(name or addresses, None))
    return found


def license_text(release) -> tuple[str | None, str | None]:
    """(short, long): the SPDX ``License-Expression``, or a one-line
    ``License``, is short; a whole license text is long."""
    if release.license_expression:
        return release.license_expression, None
    text = (release.license or "").strip()
    if not text:
        return None, None
    if "\n" not in text and len(text) <= 100:
        return text, None
    return None, text


def iso_datetime(value: datetime.datetime) -> str:
    """A stored time (naive UTC) for ``<time datetime=…>``."""
    # isoformat: several times faster than strftime, for long histories.
    return value.replace(microsecond=0).isoformat() + "Z"


def iso_date(value: datetime.datetime) -> str:
    return value.date().isoformat()


EMPTY_SELF_LINK = re.compile(r'<a href="#[^"<>]*" rel="nofollow"></a>')
HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>/])")


def readme_html(description_html: str | None) -> str | None:
    """The README as the page shows it, or None.

    ``description_html`` was rendered at upload by readme_renderer, whose
    every renderer (rST, Markdown, plain text) ends in
    ``readme_renderer.clean.clean``: nh3 with an allow-list of tags and
    attributes and only http, https and mailto URLs. It is cleaned again
    here, with the same allow-list, so that what the page marks safe does
    not depend on every writer of the column (an import, a restored dump, a
    future bug) having done so: nh3 is fast, and the page cache keeps the
    result. Then empty links go and its headings go below the page's own:
    both only remove or rename tags of the sanitized HTML."""
    if not description_html:
        return None
    cleaned = readme_renderer.clean.clean(description_html)
    if not cleaned:
        return None
    # Markdown headings carry an empty link to themselves: invisible, and a
    # link without an accessible name.
    return readme_below(EMPTY_SELF_LINK.sub("", cleaned))


def readme_below(html: str, level: int = 2) -> str:
    """A README's headings moved below the page's ``h<level>``: its ``h1``
    becomes ``h<level + 1>``, deeper ones follow (``h6`` at most), so the
    page keeps one ``h1`` and an outline.

    ``html`` is sanitized (see :func:`readme_html`): a ``<`` that is not a
    tag's is escaped in text, and one inside a quoted attribute value is
    only renamed there. Either way this renames heading tags and never adds
    a character that could open a tag, an attribute or a URL."""

    def rename(match):
        depth = min(int(match.group(2)) + level, 6)
        return f"<{match.group(1)}h{depth}"

    return HEADING_TAG.sub(rename, html)

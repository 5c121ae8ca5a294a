"""RSS 2.0 feeds like pypi.org's: the newest releases, the newest projects,
and one project's newest releases.

Each feed is one indexed query (read backwards along a primary key: ids are
handed out in the order things are made) and a document built with
ElementTree, which escapes every text; characters XML cannot carry are
dropped. Quarantined projects (PEP 792) are in no feed.
"""

import dataclasses
import datetime
import email.utils
import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.models.catalog import PROJECTS, RELEASES
from cheeseshop.rendering.xml_text import xml_safe

FEED_LENGTH = 40  # items per feed, as pypi.org's


@dataclasses.dataclass(frozen=True)
class Item:
    title: str
    link: str
    description: str
    author: str
    published: datetime.datetime  # naive UTC


def _offered():
    return PROJECTS.c.status != ProjectStatus.QUARANTINED.value


def _release_items(rows, base_url, title):
    return [
        Item(
            title=title(row),
            link=f"{base_url}project/{row.normalized_name}/{row.version}/",
            description=row.summary or "",
            author=row.author_email or row.author or "",
            published=row.created,
        )
        for row in rows
    ]


def _release_rows(connection, *conditions, limit):
    return connection.execute(
        select(
            PROJECTS.c.name,
            PROJECTS.c.normalized_name,
            RELEASES.c.version,
            RELEASES.c.summary,
            RELEASES.c.author,
            RELEASES.c.author_email,
            RELEASES.c.created,
        )
        .join(PROJECTS, RELEASES.c.project_id == PROJECTS.c.id)
        .where(_offered(), *conditions)
        .order_by(RELEASES.c.id.desc())
        .limit(limit)
    ).all()


def newest_releases(connection, base_url, limit=FEED_LENGTH) -> list[Item]:
    rows = _release_rows(connection, limit=limit)
    return _release_items(rows, base_url, lambda row: f"{row.name} {row.version}")


def project_releases(connection, project, base_url, limit=FEED_LENGTH) -> list[Item]:
    rows = _release_rows(connection, RELEASES.c.project_id == project.id, limit=limit)
    return _release_items(rows, base_url, lambda row: row.version)


def newest_projects(connection, base_url, limit=FEED_LENGTH) -> list[Item]:
    """The newest projects, each with what its newest release says."""
    projects = connection.execute(
        select(PROJECTS.c.id, PROJECTS.c.name, PROJECTS.c.normalized_name, PROJECTS.c.created)
        .where(_offered())
        .order_by(PROJECTS.c.id.desc())
        .limit(limit)
    ).all()
    newest = (
        select(func.max(RELEASES.c.id))
        .where(RELEASES.c.project_id.in_([p.id for p in projects]))
        .group_by(RELEASES.c.project_id)
    )
    releases = {
        row.project_id: row
        for row in connection.execute(
            select(
                RELEASES.c.project_id,
                RELEASES.c.summary,
                RELEASES.c.author,
                RELEASES.c.author_email,
            ).where(RELEASES.c.id.in_(newest))
        )
    }
    items = []
    for project in projects:
        release = releases.get(project.id)
        items.append(
            Item(
                title=f"{project.name} added",
                link=f"{base_url}project/{project.normalized_name}/",
                description=(release.summary if release else None) or "",
                author=(release and (release.author_email or release.author)) or "",
                published=project.created,
            )
        )
    return items


def _text(parent, tag, text):
    element = ET.SubElement(parent, tag)
    element.text = xml_safe(text)
    return element


def rss(title: str, link: str, description: str, items: list[Item]) -> bytes:
    """An RSS 2.0 document."""
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", title)
    _text(channel, "link", link)
    _text(channel, "description", description)
    _text(channel, "language", "en")
    for item in items:
        element = ET.SubElement(channel, "item")
        _text(element, "title", item.title)
        _text(element, "link", item.link)
        _text(element, "guid", item.link).set("isPermaLink", "true")
        _text(element, "description", item.description)
        if item.author:
            _text(element, "author", item.author)
        published = item.published.replace(tzinfo=datetime.UTC)
        _text(element, "pubDate", email.utils.format_datetime(published, usegmt=True))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

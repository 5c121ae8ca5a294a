"""What the landing page says about the whole index: how many projects and
files it holds, and its newest releases.

Counting rows reads a whole table (or index), so the summary is kept in the
page cache under the index's last serial (one read of the journal's primary
key): it is counted again only after the index changed.
"""

import dataclasses
import datetime
import json

from sqlalchemy import func, select

from cheeseshop.catalog.projects import ProjectStatus
from cheeseshop.models.catalog import FILES, PROJECTS, RELEASES

RECENT = 10


@dataclasses.dataclass(frozen=True)
class RecentRelease:
    name: str
    normalized_name: str
    version: str
    summary: str | None
    created: datetime.datetime


@dataclasses.dataclass(frozen=True)
class IndexSummary:
    projects: int
    files: int
    recent: list[RecentRelease]

    def to_bytes(self) -> bytes:
        document = dataclasses.asdict(self)
        for release in document["recent"]:
            release["created"] = release["created"].isoformat()
        return json.dumps(document).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "IndexSummary":
        document = json.loads(data)
        recent = [
            RecentRelease(**{**r, "created": datetime.datetime.fromisoformat(r["created"])})
            for r in document["recent"]
        ]
        return cls(document["projects"], document["files"], recent)


def recent_releases(connection, limit=RECENT) -> list[RecentRelease]:
    """The newest releases (by id, the order they were made in: read
    backwards along the primary key), of projects that offer their files."""
    rows = connection.execute(
        select(
            PROJECTS.c.name,
            PROJECTS.c.normalized_name,
            RELEASES.c.version,
            RELEASES.c.summary,
            RELEASES.c.created,
        )
        .join(PROJECTS, RELEASES.c.project_id == PROJECTS.c.id)
        .where(PROJECTS.c.status != ProjectStatus.QUARANTINED.value)
        .order_by(RELEASES.c.id.desc())
        .limit(limit)
    ).all()
    return [RecentRelease(*row) for row in rows]


def summarize(connection) -> IndexSummary:
    count = func.count()
    return IndexSummary(
        projects=connection.scalar(select(count).select_from(PROJECTS)),
        files=connection.scalar(select(count).select_from(FILES)),
        recent=recent_releases(connection),
    )


def cached_summary(connection, cache, serial) -> IndexSummary:
    """The summary at ``serial`` (the index's last serial), from ``cache``
    (a :class:`~cheeseshop.rendering.page_cache.PageCache`) when it is there."""
    data = cache.get_or_render(("index-summary", serial), lambda: summarize(connection).to_bytes())
    return IndexSummary.from_bytes(data)

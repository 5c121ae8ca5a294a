"""The pull-through cache of an upstream index (:mod:`cheeseshop.mirror`)."""

import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cheeseshop.models.meta import Base
from cheeseshop.models.timestamps import utcnow


class UpstreamProject(Base):
    """A project page of the upstream, as last fetched."""

    __tablename__ = "upstream_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    normalized_name: Mapped[str] = mapped_column(String(200), unique=True)
    # The page (cheeseshop.mirror.simple_pages.UpstreamPage.as_json()).
    page: Mapped[str] = mapped_column(Text)
    # Counts the page's changes: the ETag of the page served from it.
    revision: Mapped[int] = mapped_column(default=1)
    # The upstream's validators, for revalidating with a conditional GET.
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    # When the upstream last confirmed the page (200 or 304).
    checked: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    # The upstream said the project is gone (404): not served, kept for prune.
    missing: Mapped[bool] = mapped_column(default=False)


class UpstreamObject(Base):
    """A file of an upstream project, or its ``.metadata`` (``name`` ends
    with it), as its URL under ``/cache/`` names it (the file's sha256 and
    ``name``): being fetched, stored (``path`` is its storage key), or
    refused (``failure`` says why)."""

    __tablename__ = "upstream_objects"
    __table_args__ = (UniqueConstraint("file_sha256", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("upstream_projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(320))
    file_sha256: Mapped[str] = mapped_column(String(64))
    # What the object's bytes hash to, as the upstream's page said: the
    # file's sha256, or its core-metadata's.
    sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))  # cheeseshop.mirror.cache_files.State
    # A fetch in progress renews its claim; one not renewed for a while was
    # abandoned (its worker died) and may be taken over.
    claimed: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    path: Mapped[str | None] = mapped_column(String(500))
    size: Mapped[int | None] = mapped_column(BigInteger)
    failure: Mapped[str | None] = mapped_column(Text)
    stored: Mapped[datetime.datetime | None] = mapped_column()
    # The day it was last served (written at most once a day per worker).
    last_used: Mapped[datetime.datetime | None] = mapped_column(index=True)


class UpstreamBlock(Base):
    """A name never looked up on the upstream."""

    __tablename__ = "upstream_blocks"

    normalized_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class UpstreamCounter(Base):
    """Hits and fetches of the cache, added up by the workers now and then."""

    __tablename__ = "upstream_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


UPSTREAM_PROJECTS = UpstreamProject.__table__
UPSTREAM_OBJECTS = UpstreamObject.__table__
UPSTREAM_BLOCKS = UpstreamBlock.__table__
UPSTREAM_COUNTERS = UpstreamCounter.__table__

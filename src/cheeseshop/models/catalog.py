import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cheeseshop.models.meta import Base
from cheeseshop.models.timestamps import utcnow


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    normalized_name: Mapped[str] = mapped_column(String(200), unique=True)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    # The serial of the newest journal entry about this project: the version
    # of every page that shows it (ETag, X-PyPI-Last-Serial, render caches).
    last_serial: Mapped[int] = mapped_column(default=0)
    # PEP 792: active, archived, quarantined or deprecated.
    status: Mapped[str] = mapped_column(
        String(20), default="active"
    )  # cheeseshop.catalog.projects.ProjectStatus
    status_reason: Mapped[str | None] = mapped_column(Text)

    releases: Mapped[list["Release"]] = relationship(back_populates="project")
    roles: Mapped[list["Role"]] = relationship(back_populates="project")  # noqa: F821


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("project_id", "canonical_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(100))
    canonical_version: Mapped[str] = mapped_column(String(100))
    is_prerelease: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    yanked: Mapped[bool] = mapped_column(default=False)
    yanked_reason: Mapped[str] = mapped_column(Text, default="")

    # Core metadata, as the first upload of the release declared it.
    metadata_version: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    description_content_type: Mapped[str | None] = mapped_column(String(200))
    description_html: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[str | None] = mapped_column(Text)
    home_page: Mapped[str | None] = mapped_column(Text)
    download_url: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    author_email: Mapped[str | None] = mapped_column(Text)
    maintainer: Mapped[str | None] = mapped_column(Text)
    maintainer_email: Mapped[str | None] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(Text)
    license_expression: Mapped[str | None] = mapped_column(Text)
    requires_python: Mapped[str | None] = mapped_column(Text)
    # Multi-valued fields, each a JSON list (project_urls a JSON object).
    license_files: Mapped[list | None] = mapped_column(JSON)
    classifiers: Mapped[list | None] = mapped_column(JSON)
    platforms: Mapped[list | None] = mapped_column(JSON)
    supported_platforms: Mapped[list | None] = mapped_column(JSON)
    requires_dist: Mapped[list | None] = mapped_column(JSON)
    provides_dist: Mapped[list | None] = mapped_column(JSON)
    obsoletes_dist: Mapped[list | None] = mapped_column(JSON)
    requires_external: Mapped[list | None] = mapped_column(JSON)
    provides_extra: Mapped[list | None] = mapped_column(JSON)
    dynamic: Mapped[list | None] = mapped_column(JSON)
    project_urls: Mapped[dict | None] = mapped_column(JSON)

    project: Mapped[Project] = relationship(back_populates="releases")
    files: Mapped[list["File"]] = relationship(back_populates="release")


class File(Base):
    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(300), unique=True)
    # Content-addressed storage key: ab/cd/<rest of blake2b-256>/<filename>.
    path: Mapped[str] = mapped_column(String(400), unique=True)
    packagetype: Mapped[str] = mapped_column(String(20))
    python_version: Mapped[str] = mapped_column(String(50))
    requires_python: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    md5_digest: Mapped[str] = mapped_column(String(32))
    sha256_digest: Mapped[str] = mapped_column(String(64), unique=True)
    blake2_256_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # PEP 658: the wheel's METADATA, stored at ``path + ".metadata"``.
    metadata_sha256: Mapped[str | None] = mapped_column(String(64))
    upload_time: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment_text: Mapped[str | None] = mapped_column(Text)

    release: Mapped[Release] = relationship(back_populates="files")


class RemovedFilename(Base):
    """A filename that was removed: it can never be uploaded again (as on
    pypi.org), since installers and caches may hold the old bytes under it."""

    __tablename__ = "removed_filenames"

    filename: Mapped[str] = mapped_column(String(300), primary_key=True)
    removed: Mapped[datetime.datetime] = mapped_column(default=utcnow)


# The tables, for the read path's Core queries (no ORM objects there).
PROJECTS = Project.__table__
RELEASES = Release.__table__
FILES = File.__table__

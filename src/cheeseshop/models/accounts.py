import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cheeseshop.models.meta import Base
from cheeseshop.models.timestamps import utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # May act on any project.
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)

    roles: Mapped[list["Role"]] = relationship(back_populates="user")


class Role(Base):
    """A user's role on a project: ``Owner`` or ``Maintainer``."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    role_name: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="roles")
    project: Mapped["Project"] = relationship(back_populates="roles")  # noqa: F821


class LoginFailure(Base):
    """A password check that failed: the username as typed (it may name
    nobody), the client's address, when. Rows older than
    ``cheeseshop.login.failure_window`` no longer count and are deleted as
    new failures come in (:mod:`cheeseshop.accounts.login_limits`)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        # The two limits: failures of one username, failures from one address,
        # both within the window (newest first).
        Index("ix_login_failures_username_failed_at", "username", "failed_at"),
        Index("ix_login_failures_address_failed_at", "address", "failed_at"),
    )

    # 64 bits: an attack recording hundreds of failures a second would use up
    # 32-bit ids within months. SQLite's rowid is 64 bits anyway.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(100))
    # Indexed on its own too, for deleting the expired rows of every key.
    failed_at: Mapped[datetime.datetime] = mapped_column(default=utcnow, index=True)


class ApiToken(Base):
    """An API token: sent as the password of ``__token__``. Only its keyed
    hash is stored (:mod:`cheeseshop.accounts.tokens`)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # HMAC-SHA256 of the whole token under the index's token key, hex.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    # May only read (installs from a private index).
    read_only: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    expires: Mapped[datetime.datetime | None]
    last_used: Mapped[datetime.datetime | None]
    revoked: Mapped[datetime.datetime | None]

    user: Mapped[User] = relationship()
    # Empty: every project of the user; otherwise uploads go only to these.
    projects: Mapped[list["Project"]] = relationship(  # noqa: F821
        secondary="api_token_projects", order_by="Project.normalized_name"
    )


class ApiTokenProject(Base):
    """One project a token is scoped to."""

    __tablename__ = "api_token_projects"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )


class AuditEvent(Base):
    """One security-relevant event (:mod:`cheeseshop.accounts.audit`): who
    did what, from where, to which user or project. Never a secret. Names,
    not foreign keys: the record outlives what it names."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred: Mapped[datetime.datetime] = mapped_column(default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(40))
    # The index user who acted; None for the command line and anonymous callers.
    actor: Mapped[str | None] = mapped_column(String(100), index=True)
    # The client's address, or "command line (<os user>)".
    address: Mapped[str] = mapped_column(String(100))
    # The user the event is about (a role's holder, a token's owner...).
    user: Mapped[str | None] = mapped_column(String(100), index=True)
    project: Mapped[str | None] = mapped_column(String(200), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


LOGIN_FAILURES = LoginFailure.__table__
API_TOKENS = ApiToken.__table__
AUDIT_EVENTS = AuditEvent.__table__

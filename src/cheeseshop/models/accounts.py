import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, false
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


LOGIN_FAILURES = LoginFailure.__table__

import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cheeseshop.models.meta import Base
from cheeseshop.models.timestamps import utcnow


class JournalEntry(Base):
    """One mutation of the index; its id is the serial (PEP 381)."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(Text)
    # Indexed for XML-RPC's changelog(since), which selects by time.
    submitted_date: Mapped[datetime.datetime] = mapped_column(default=utcnow, index=True)
    submitted_by: Mapped[str | None] = mapped_column(String(50))

import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from cheeseshop.models.meta import Base
from cheeseshop.models.timestamps import utcnow


class Blob(Base):
    """A stored file of the SQL storage backend; its bytes are in chunks."""

    __tablename__ = "blobs"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class BlobChunk(Base):
    __tablename__ = "blob_chunks"

    key: Mapped[str] = mapped_column(
        String(500), ForeignKey("blobs.key", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


BLOBS = Blob.__table__
CHUNKS = BlobChunk.__table__

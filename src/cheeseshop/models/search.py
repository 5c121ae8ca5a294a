"""The search index's table that every database has.

The full-text table itself, ``search_documents``, is not a model: its shape
is the database's (an FTS5 virtual table on SQLite, a table with ``tsvector``
columns and a GIN index on PostgreSQL), so migration ``0006`` creates it for
the dialect at hand and :func:`cheeseshop.db.migrations.include_name` keeps
it out of the comparison of the models with the schema. See
:mod:`cheeseshop.search`.
"""

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cheeseshop.models.meta import Base

# The name of the full-text table, and of the tables SQLite's FTS5 keeps
# for it (its "shadow tables").
FULL_TEXT_TABLE = "search_documents"
FTS5_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")


class ProjectClassifier(Base):
    """A trove classifier of a project's latest release: what search filters
    by. Only searchable projects have rows (see
    :func:`cheeseshop.search.dialects.reindex`)."""

    __tablename__ = "project_classifiers"
    # The primary key answers "has this project that classifier?"; the index
    # answers "which projects have it?" (a filter without search words).
    __table_args__ = (Index("ix_project_classifiers_classifier", "classifier", "project_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    classifier: Mapped[str] = mapped_column(String(200), primary_key=True)


PROJECT_CLASSIFIERS = ProjectClassifier.__table__

"""an index on journal_entries.submitted_date, for XML-RPC's changelog(since)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12 10:00:00.000000

``changelog(since)`` selects journal entries by time: it reads a bounded
range of this index instead of scanning the journal.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journal_entries_submitted_date"), ["submitted_date"], unique=False
        )


def downgrade():
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_entries_submitted_date"))

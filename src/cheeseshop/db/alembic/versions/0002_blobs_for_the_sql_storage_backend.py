"""blobs for the sql storage backend

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 06:25:01.086611
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "blobs",
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_blobs")),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key"], ["blobs.key"], name=op.f("fk_blob_chunks_key_blobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", "seq", name=op.f("pk_blob_chunks")),
    )


def downgrade():
    op.drop_table("blob_chunks")
    op.drop_table("blobs")

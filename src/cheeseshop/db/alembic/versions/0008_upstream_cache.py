"""the pull-through cache of an upstream index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:40:24.697374

Pages of projects the index does not host, as the upstream last sent them;
the files and ``.metadata`` fetched from it (content-addressed in storage,
like uploads); the names an admin blocked; and the cache's counters.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "upstream_blocks",
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("normalized_name", name=op.f("pk_upstream_blocks")),
    )
    op.create_table(
        "upstream_counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_upstream_counters")),
    )
    op.create_table(
        "upstream_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("normalized_name", sa.String(length=200), nullable=False),
        sa.Column("page", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("checked", sa.DateTime(), nullable=False),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_projects")),
        sa.UniqueConstraint("normalized_name", name=op.f("uq_upstream_projects_normalized_name")),
    )
    op.create_table(
        "upstream_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=320), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("claimed", sa.DateTime(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("stored", sa.DateTime(), nullable=True),
        sa.Column("last_used", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["upstream_projects.id"],
            name=op.f("fk_upstream_objects_project_id_upstream_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upstream_objects")),
        sa.UniqueConstraint("file_sha256", "name", name=op.f("uq_upstream_objects_file_sha256")),
    )
    with op.batch_alter_table("upstream_objects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_upstream_objects_last_used"), ["last_used"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_upstream_objects_project_id"), ["project_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("upstream_objects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upstream_objects_project_id"))
        batch_op.drop_index(batch_op.f("ix_upstream_objects_last_used"))

    op.drop_table("upstream_objects")
    op.drop_table("upstream_projects")
    op.drop_table("upstream_counters")
    op.drop_table("upstream_blocks")

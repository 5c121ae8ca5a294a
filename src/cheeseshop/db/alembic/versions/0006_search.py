"""search: project_classifiers, the full-text table of the dialect, backfilled

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09 10:12:00.000000

``search_documents`` is an FTS5 virtual table on SQLite and a table with
``tsvector`` columns and a GIN index on PostgreSQL; no model describes it
(see ``cheeseshop.models.search``). The existing projects are indexed here,
so an upgraded index is searchable at once. The backfill is a snapshot of
``cheeseshop.search.documents`` and the engines' writes as they are at this
revision, in Core over the tables as they are here: later changes to the
application must not change what this migration does.
"""

import packaging.version
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 500
DESCRIPTION_CHARS = 64 * 1024
MAX_CLASSIFIER_CHARS = 200

FTS5_TABLE = (
    "CREATE VIRTUAL TABLE search_documents USING fts5("
    "name_words, summary, keywords, description, version UNINDEXED, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)
SQLITE_INSERT = (
    "INSERT INTO search_documents (rowid, name_words, summary, keywords, description, version)"
    " VALUES (:project_id, :name_words, :summary, :keywords, :description, :version)"
)
POSTGRESQL_INSERT = (
    "INSERT INTO search_documents (project_id, version, summary, heading, document)"
    " SELECT :project_id, :version, :summary, heading,"
    " heading || setweight(to_tsvector('english', :description), 'D')"
    " FROM (SELECT setweight(to_tsvector('english', :name_words), 'A')"
    " || setweight(to_tsvector('english', :summary), 'B')"
    " || setweight(to_tsvector('english', :keywords), 'C') AS heading) AS made"
)

projects = sa.table(
    "projects",
    sa.column("id", sa.Integer),
    sa.column("normalized_name", sa.String),
    sa.column("status", sa.String),
)
releases = sa.table(
    "releases",
    sa.column("id", sa.Integer),
    sa.column("project_id", sa.Integer),
    sa.column("version", sa.String),
    sa.column("yanked", sa.Boolean),
    sa.column("is_prerelease", sa.Boolean),
    sa.column("summary", sa.Text),
    sa.column("keywords", sa.Text),
    sa.column("description", sa.Text),
    sa.column("classifiers", sa.JSON),
)
project_classifiers = sa.table(
    "project_classifiers",
    sa.column("project_id", sa.Integer),
    sa.column("classifier", sa.String),
)


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table(
        "project_classifiers",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("classifier", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_classifiers_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "classifier", name=op.f("pk_project_classifiers")),
    )
    with op.batch_alter_table("project_classifiers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_project_classifiers_classifier", ["classifier", "project_id"], unique=False
        )
    if dialect == "sqlite":
        op.execute(FTS5_TABLE)
    else:
        op.create_table(
            "search_documents",
            sa.Column("project_id", sa.Integer(), nullable=False),
            sa.Column("version", sa.String(length=100), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("heading", postgresql.TSVECTOR(), nullable=False),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
            sa.ForeignKeyConstraint(
                ["project_id"],
                ["projects.id"],
                name="fk_search_documents_project_id_projects",
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("project_id", name="pk_search_documents"),
        )
        op.create_index(
            "ix_search_documents_document",
            "search_documents",
            ["document"],
            postgresql_using="gin",
        )
    _backfill(op.get_bind(), SQLITE_INSERT if dialect == "sqlite" else POSTGRESQL_INSERT)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_documents")
    else:
        op.drop_index("ix_search_documents_document", table_name="search_documents")
        op.drop_table("search_documents")
    with op.batch_alter_table("project_classifiers", schema=None) as batch_op:
        batch_op.drop_index("ix_project_classifiers_classifier")
    op.drop_table("project_classifiers")


def _backfill(connection, insert):
    """A document for every project that is not quarantined and has a
    release, from its latest release, BATCH projects at a time."""
    last_id = 0
    while True:
        batch = connection.execute(
            sa.select(projects.c.id, projects.c.normalized_name)
            .where(projects.c.id > last_id, projects.c.status != "quarantined")
            .order_by(projects.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        last_id = batch[-1].id
        names = {row.id: row.normalized_name for row in batch}
        latest = {}
        for release in connection.execute(
            sa.select(
                releases.c.id,
                releases.c.project_id,
                releases.c.version,
                releases.c.yanked,
                releases.c.is_prerelease,
            ).where(releases.c.project_id.in_(list(names)))
        ):
            best = latest.get(release.project_id)
            if best is None or _order(release) > _order(best):
                latest[release.project_id] = release
        documents, classifiers = [], []
        for row in connection.execute(
            sa.select(
                releases.c.project_id,
                releases.c.version,
                releases.c.summary,
                releases.c.keywords,
                sa.func.substr(releases.c.description, 1, DESCRIPTION_CHARS).label("description"),
                releases.c.classifiers,
            ).where(releases.c.id.in_([release.id for release in latest.values()]))
        ):
            name = names[row.project_id]
            documents.append(
                {
                    "project_id": row.project_id,
                    "name_words": f"{name} {name.replace('-', ' ')}",
                    "version": row.version,
                    "summary": row.summary or "",
                    "keywords": row.keywords or "",
                    "description": row.description or "",
                }
            )
            classifiers += [
                {"project_id": row.project_id, "classifier": value}
                for value in sorted(
                    {
                        value
                        for value in row.classifiers or ()
                        if isinstance(value, str) and 0 < len(value) <= MAX_CLASSIFIER_CHARS
                    }
                )
            ]
        if documents:
            connection.execute(sa.text(insert), documents)
        if classifiers:
            connection.execute(sa.insert(project_classifiers), classifiers)


def _order(release):
    """The latest release is the greatest: not yanked, not a pre-release,
    then the highest version."""
    try:
        version = packaging.version.Version(release.version)
    except packaging.version.InvalidVersion:
        version = None
    return (
        not release.yanked,
        not release.is_prerelease,
        version is not None,
        version or packaging.version.Version("0"),
        release.id,
    )

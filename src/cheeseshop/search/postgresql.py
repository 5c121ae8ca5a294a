"""Search on PostgreSQL: ``tsvector`` columns, a GIN index, ``ts_rank``.

``search_documents`` (made by migration ``0006``) holds a row per
searchable project: the latest release's ``version`` and ``summary`` to
show, ``heading`` (the name's words weighted A, the summary B, the keywords
C) and ``document`` (``heading`` and the description, weighted D), which the
GIN index ``ix_search_documents_document`` serves. The ``english``
configuration stems words as SQLite's Porter stemmer does; unlike FTS5, it
also drops English stop words ("the", "and") from documents and queries.

``ts_rank`` (not ``ts_rank_cd``, which adds up every occurrence) rates a
word mostly by its best-weighted occurrence, so a long description that
repeats a word does not outrank a summary that has it once; the tiers come
first anyway (see :class:`cheeseshop.search.engine.FullTextEngine`).
"""

from sqlalchemy import text

from cheeseshop.search.engine import FullTextEngine

# The words to find, as PostgreSQL parses them: plainto_tsquery reads no
# operator, and it is given only the words cheeseshop.search.query made.
WORDS = "plainto_tsquery('english', :words)"

HEADING = (
    "setweight(to_tsvector('english', :name_words), 'A')"
    " || setweight(to_tsvector('english', :summary), 'B')"
    " || setweight(to_tsvector('english', :keywords), 'C')"
)
UPSERT = text(
    "INSERT INTO search_documents (project_id, version, summary, heading, document)"
    " SELECT :project_id, :version, :summary, heading,"
    " heading || setweight(to_tsvector('english', :description), 'D')"
    f" FROM (SELECT {HEADING} AS heading) AS made"
    " ON CONFLICT (project_id) DO UPDATE SET version = excluded.version,"
    " summary = excluded.summary, heading = excluded.heading, document = excluded.document"
)
DELETE = text("DELETE FROM search_documents WHERE project_id = :project_id")

# Each tier: the words all found among the heading's lexemes of these weights.
TIERS = (
    f"ts_filter(search_documents.heading, '{{a}}') @@ {WORDS}",
    f"ts_filter(search_documents.heading, '{{a,b}}') @@ {WORDS}",
    f"search_documents.heading @@ {WORDS}",
)


class PostgreSQLFullText(FullTextEngine):
    dialect = "postgresql"
    document_id = "search_documents.project_id"

    def write(self, session, project_id, document):
        if document is None:
            session.execute(DELETE, {"project_id": project_id})
            return
        session.execute(
            UPSERT,
            {
                "project_id": project_id,
                "version": document.version,
                "summary": document.summary,
                "name_words": document.name_words,
                "keywords": document.keywords,
                "description": document.description,
            },
        )

    def matching(self, query, params):
        params["words"] = " ".join(query.terms)
        return (
            " FROM search_documents JOIN projects ON projects.id = search_documents.project_id"
            f" WHERE search_documents.document @@ {WORDS}"
        )

    def ranking(self, query, params):
        tiers = "".join(f" WHEN {condition} THEN {tier}" for tier, condition in enumerate(TIERS))
        return (
            f"CASE{tiers} ELSE {len(TIERS)} END, ts_rank(search_documents.document, {WORDS}) DESC"
        )

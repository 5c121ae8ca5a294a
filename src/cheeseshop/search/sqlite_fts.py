"""Search on SQLite: an FTS5 table, ranked by bm25.

``search_documents`` (made by migration ``0006``) is an FTS5 virtual table
whose rowid is the project's id: the columns ``name_words``, ``summary``,
``keywords`` and ``description`` are indexed with the Porter stemmer over
the unicode61 tokenizer (so "parsers" finds "parser", "Café" finds "cafe"),
``version`` is only stored.
"""

from sqlalchemy import text

from cheeseshop.search.engine import FullTextEngine

# bm25's weight of each column, in the table's order (version last, unindexed).
BM25 = "bm25(search_documents, 10.0, 5.0, 3.0, 1.0, 0.0)"

INSERT = text(
    "INSERT INTO search_documents"
    " (rowid, name_words, summary, keywords, description, version)"
    " VALUES (:project_id, :name_words, :summary, :keywords, :description, :version)"
)
DELETE = text("DELETE FROM search_documents WHERE rowid = :project_id")

# The relevance tiers' columns, as FTS5 column filters.
TIER_COLUMNS = ("{name_words}", "{name_words summary}", "{name_words summary keywords}")


def phrases(terms) -> str:
    """An FTS5 query matching every term: each an FTS5 string (in double
    quotes, a quote doubled), so that no character of it is an operator.
    FTS5 tokenizes a string as it did the documents; one that makes no
    token is left out of the query."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


class SQLiteFTS5(FullTextEngine):
    dialect = "sqlite"
    document_id = "search_documents.rowid"

    def write(self, session, project_id, document):
        session.execute(DELETE, {"project_id": project_id})
        if document is not None:
            session.execute(
                INSERT,
                {
                    "project_id": project_id,
                    "name_words": document.name_words,
                    "summary": document.summary,
                    "keywords": document.keywords,
                    "description": document.description,
                    "version": document.version,
                },
            )

    def matching(self, query, params):
        params["match"] = phrases(query.terms)
        return (
            " FROM search_documents JOIN projects ON projects.id = search_documents.rowid"
            " WHERE search_documents MATCH :match"
        )

    def ranking(self, query, params):
        tiers = ""
        for tier, columns in enumerate(TIER_COLUMNS):
            # Not correlated: SQLite runs each tier's match once per query.
            tiers += (
                " WHEN search_documents.rowid IN (SELECT rowid FROM search_documents"
                f" WHERE search_documents MATCH :tier_{tier}) THEN {tier}"
            )
            params[f"tier_{tier}"] = f"{columns} : ({phrases(query.terms)})"
        return f"CASE{tiers} ELSE {len(TIER_COLUMNS)} END, {BM25}"

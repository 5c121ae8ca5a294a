"""What the two full-text engines share: the query read safely, the exact
name first, paging, the classifier filters and the search by classifiers
alone. Each engine (:mod:`~cheeseshop.search.sqlite_fts`,
:mod:`~cheeseshop.search.postgresql`) writes its full-text table and says
how it matches and ranks.

Every statement is SQL text with bound parameters only: the user's words
and classifiers never become SQL, and the engines receive the words in a
form their full-text syntax cannot misread (see
:mod:`cheeseshop.search.query`).
"""

from sqlalchemy import text
from zope.interface import implementer

from cheeseshop.search.documents import document_of, store_classifiers
from cheeseshop.search.interfaces import IProjectSearch
from cheeseshop.search.query import NO_RESULTS, Hit, Results, page_bounds, parse

HIT_COLUMNS = (
    "projects.id AS project_id, projects.name, projects.normalized_name,"
    " search_documents.version, search_documents.summary"
)


@implementer(IProjectSearch)
class FullTextEngine:
    dialect = None
    # The full-text table's column that holds the project's id.
    document_id = None

    def index_project(self, session, project):
        document = document_of(session, project)
        self.write(session, project.id, document)
        store_classifiers(session, project.id, document.classifiers if document else ())

    def search(self, connection, query, *, classifiers=(), offset=0, limit=20):
        wanted = parse(query, classifiers)
        offset, limit = page_bounds(offset, limit)
        if wanted.empty or wanted.unmatchable:
            return NO_RESULTS
        exact = self._exact(connection, wanted) if wanted.name is not None else None
        exclude = exact.project_id if exact is not None else None
        found = self._count(connection, wanted, exclude)
        hits = []
        if exact is not None:
            # First of all, on the first page; the others move down one.
            if offset == 0 and limit > 0:
                hits, limit = [exact], limit - 1
            elif offset > 0:
                offset -= 1
        if limit > 0 and offset < found:
            hits += self._page(connection, wanted, exclude, offset, limit)
        return Results(found + (exact is not None), hits)

    # What each engine says.

    def write(self, session, project_id, document):
        """Replace the project's row of the full-text table with
        ``document``, or remove it (``document`` None)."""
        raise NotImplementedError

    def matching(self, query, params) -> str:
        """``FROM ... WHERE ...`` of the full-text rows with every word of
        ``query``, joined to ``projects``; its parameters go in ``params``."""
        raise NotImplementedError

    def ranking(self, query, params) -> str:
        """The ``ORDER BY`` terms of relevance, best first: the tier (every
        word in the name; in the name and summary; in those and the
        keywords; anywhere), then the engine's rank."""
        raise NotImplementedError

    # Shared SQL

    def _count(self, connection, query, exclude):
        params = {}
        sql = "SELECT count(*)" + self._found(query, exclude, params)
        return connection.execute(text(sql), params).scalar_one()

    def _page(self, connection, query, exclude, offset, limit):
        params = {"limit": limit, "offset": offset}
        order = self.ranking(query, params) + ", " if query.terms else ""
        sql = (
            f"SELECT {HIT_COLUMNS}{self._found(query, exclude, params)}"
            f" ORDER BY {order}projects.normalized_name LIMIT :limit OFFSET :offset"
        )
        return [_hit(row) for row in connection.execute(text(sql), params)]

    def _found(self, query, exclude, params):
        """``FROM ... WHERE ...`` of what the query finds, but ``exclude``:
        by words, or by classifiers alone (the first one's index finds the
        projects, the others are checked)."""
        if query.terms:
            sql, checked = self.matching(query, params), query.classifiers
        else:
            params["first"] = query.classifiers[0]
            sql, checked = (
                (
                    " FROM project_classifiers AS chosen"
                    " JOIN projects ON projects.id = chosen.project_id"
                    f" JOIN search_documents ON {self.document_id} = projects.id"
                    " WHERE chosen.classifier = :first"
                ),
                query.classifiers[1:],
            )
        if exclude is not None:
            sql += f" AND {self.document_id} != :exclude"
            params["exclude"] = exclude
        return sql + self._having(checked, params)

    def _having(self, classifiers, params):
        """``AND ...`` that the project has every one of ``classifiers``: one
        lookup in the primary key of ``project_classifiers`` each."""
        sql = ""
        for number, classifier in enumerate(classifiers):
            sql += (
                " AND EXISTS (SELECT 1 FROM project_classifiers"
                f" WHERE project_classifiers.project_id = {self.document_id}"
                f" AND project_classifiers.classifier = :classifier_{number})"
            )
            params[f"classifier_{number}"] = classifier
        return sql

    def _exact(self, connection, query):
        """The project named what was typed, when it is searchable and has
        every classifier asked for."""
        params = {"name": query.name}
        sql = (
            f"SELECT {HIT_COLUMNS} FROM projects"
            f" JOIN search_documents ON {self.document_id} = projects.id"
            " WHERE projects.normalized_name = :name" + self._having(query.classifiers, params)
        )
        row = connection.execute(text(sql), params).one_or_none()
        return _hit(row) if row is not None else None


def _hit(row) -> Hit:
    return Hit(
        project_id=row.project_id,
        name=row.name,
        normalized_name=row.normalized_name,
        version=row.version,
        summary=row.summary or "",
    )

"""``/search/?q=words&c=classifier&page=N``: projects by the words of their
name, summary, keywords and description, filtered by classifiers, 20 a
page (see :mod:`cheeseshop.search`)."""

from urllib.parse import urlencode

from pyramid.view import view_config

from cheeseshop.search.dialects import engine_for
from cheeseshop.search.documents import classifiers_of
from cheeseshop.search.query import (
    MAX_CLASSIFIER_CHARS,
    MAX_CLASSIFIERS,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
)
from cheeseshop.security.permissions import Permission
from cheeseshop.web.resources import SearchPage

PER_PAGE = 20
LAST_PAGE = MAX_OFFSET // PER_PAGE


class SearchURLs:
    """Links to this search with other classifiers or another page."""

    def __init__(self, request, query, classifiers):
        self.base = request.application_url + "/search/"
        self.query = query
        self.classifiers = classifiers

    def _url(self, classifiers, page=1):
        params = [("q", self.query)] if self.query else []
        params += [("c", classifier) for classifier in classifiers]
        if page > 1:
            params.append(("page", str(page)))
        return self.base + ("?" + urlencode(params) if params else "")

    def page(self, number):
        return self._url(self.classifiers, number)

    def adding(self, classifier):
        return self._url([*self.classifiers, classifier])

    def removing(self, classifier):
        return self._url([c for c in self.classifiers if c != classifier])


def _page_number(value) -> int:
    """``page=N``: 1 unless a number from 1 to LAST_PAGE."""
    if value is None or not value.isdigit() or len(value) > 6:
        return 1
    return min(max(int(value), 1), LAST_PAGE)


@view_config(
    context=SearchPage,
    name="",
    renderer="cheeseshop:web/templates/search.jinja2",
    permission=Permission.VIEW,
    request_method="GET",
)
def search(request):
    # Control characters mean nothing to a search, and are not to be shown.
    query = "".join(
        char if char.isprintable() else " " for char in request.GET.get("q", "")[:MAX_QUERY_CHARS]
    )
    # A classifier no project can have (a control character in it, too
    # long) is no filter anyone chose from this page: left out.
    classifiers = [
        value
        for value in dict.fromkeys(request.GET.getall("c"))
        if value.isprintable() and len(value) <= MAX_CLASSIFIER_CHARS
    ][:MAX_CLASSIFIERS]
    page = _page_number(request.GET.get("page"))
    urls = SearchURLs(request, query, classifiers)
    page_data = {"query": query, "classifiers": classifiers, "urls": urls, "results": None}
    if not query.strip() and not classifiers:
        return page_data  # the help, no search
    connection = request.read_connection
    results = engine_for(connection).search(
        connection,
        query,
        classifiers=classifiers,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    pages = max(1, -(-results.total // PER_PAGE))
    offered = [
        (classifier, count)
        for classifier, count in classifiers_of(
            connection, [hit.project_id for hit in results.hits]
        )
        if classifier not in classifiers
    ]
    return {
        **page_data,
        "results": results,
        "page": page,
        "pages": min(pages, LAST_PAGE),
        "offered": offered,
    }

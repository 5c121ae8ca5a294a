from zope.interface import Attribute, Interface


class IProjectSearch(Interface):
    """Ranked full-text search of projects, by the words of their name,
    summary, keywords and description, filtered by classifiers.

    A project is found by its *latest* release, chosen as pip would: a
    release not yanked before a yanked one, then a final release before a
    pre-release, then the highest version (packaging's order). A
    quarantined project (PEP 792) and a project without releases are not
    found at all.
    """

    dialect = Attribute("The SQLAlchemy dialect name of the databases it searches.")

    def index_project(session, project):
        """Bring ``project``'s search document (and classifiers) up to date
        with its releases and status, in ``session``'s transaction. Call it
        after every change to what its latest release is or says."""

    def search(connection, query, *, classifiers=(), offset=0, limit=20):
        """A :class:`cheeseshop.search.query.Results` of the projects that
        have every word of ``query`` (the text as typed) and every one of
        ``classifiers``, on ``connection``: the project whose normal name is
        the text first, then by relevance: the
        words found all in the name, then in the name and summary, then in
        those and the keywords, then anywhere; within each, by the engine's
        rank; then by name. Any text is a valid query: none raises."""

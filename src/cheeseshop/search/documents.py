"""A project's search document: what its latest release says, and the
classifiers it is filtered by. Both engines index the same document."""

import dataclasses

import packaging.version
from sqlalchemy import delete, func, insert, select

from cheeseshop.models.catalog import RELEASES
from cheeseshop.models.search import PROJECT_CLASSIFIERS

# Only the first 64 Ki characters of a description are indexed: a README
# can be megabytes long, and its beginning says what the project is.
DESCRIPTION_CHARS = 64 * 1024
MAX_CLASSIFIER_CHARS = PROJECT_CLASSIFIERS.c.classifier.type.length

# ProjectStatus.QUARANTINED's value (cheeseshop.catalog.projects, which
# imports this package): nothing of a quarantined project is offered to
# install (PEP 792), so search does not offer it either.
QUARANTINED = "quarantined"


@dataclasses.dataclass(frozen=True)
class Document:
    project_id: int
    # The name in normal form ("-" for any run of "-", "_" and "."), then its
    # words: "requests-oauthlib requests oauthlib". Each word is then a
    # token whatever a tokenizer makes of "-" (FTS5 splits there;
    # PostgreSQL's parser keeps the whole and adds the parts, but reads
    # some, such as "py-3", otherwise), so "oauthlib" finds the project.
    name_words: str
    version: str
    summary: str
    keywords: str
    description: str
    classifiers: tuple[str, ...]


def name_words(normalized_name) -> str:
    return f"{normalized_name} {normalized_name.replace('-', ' ')}"


def release_order(release):
    """A sort key of releases (rows with ``version``, ``yanked``,
    ``is_prerelease``, ``id``): the greatest is the latest."""
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


def document_of(session, project) -> Document | None:
    """``project``'s document, or None when it is not to be found: it is
    quarantined or has no release."""
    # The queries below are Core's, which do not flush the session by
    # themselves: the releases just added or changed must be in the database.
    session.flush()
    if project.status == QUARANTINED:
        return None
    releases = session.execute(
        select(
            RELEASES.c.id, RELEASES.c.version, RELEASES.c.yanked, RELEASES.c.is_prerelease
        ).where(RELEASES.c.project_id == project.id)
    ).all()
    if not releases:
        return None
    latest = max(releases, key=release_order)
    row = session.execute(
        select(
            RELEASES.c.summary,
            RELEASES.c.keywords,
            func.substr(RELEASES.c.description, 1, DESCRIPTION_CHARS).label("description"),
            RELEASES.c.classifiers,
        ).where(RELEASES.c.id == latest.id)
    ).one()
    return Document(
        project_id=project.id,
        name_words=name_words(project.normalized_name),
        version=latest.version,
        summary=row.summary or "",
        keywords=row.keywords or "",
        description=row.description or "",
        classifiers=tuple(
            sorted(
                {
                    value
                    for value in row.classifiers or ()
                    if isinstance(value, str) and 0 < len(value) <= MAX_CLASSIFIER_CHARS
                }
            )
        ),
    )


def store_classifiers(session, project_id, classifiers):
    session.execute(
        delete(PROJECT_CLASSIFIERS).where(PROJECT_CLASSIFIERS.c.project_id == project_id)
    )
    if classifiers:
        session.execute(
            insert(PROJECT_CLASSIFIERS),
            [{"project_id": project_id, "classifier": value} for value in classifiers],
        )


def classifiers_of(connection, project_ids) -> list[tuple[str, int]]:
    """The classifiers of ``project_ids`` (a page of hits) with how many of
    them have each, the most common first: the filters to offer next."""
    if not project_ids:
        return []
    count = func.count().label("count")
    rows = connection.execute(
        select(PROJECT_CLASSIFIERS.c.classifier, count)
        .where(PROJECT_CLASSIFIERS.c.project_id.in_(list(project_ids)))
        .group_by(PROJECT_CLASSIFIERS.c.classifier)
        .order_by(count.desc(), PROJECT_CLASSIFIERS.c.classifier)
    ).all()
    return [(row.classifier, row.count) for row in rows]

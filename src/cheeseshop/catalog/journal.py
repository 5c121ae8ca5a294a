"""The journal: one row per mutation, whose id is the serial (PEP 381).

A project's ``last_serial`` follows its newest entry; pages and caches key
on it, so every change a client should see must go through :func:`record`.
"""

from sqlalchemy import func, select, text

from cheeseshop.cdn import keys as cdn_keys
from cheeseshop.models.journal import JournalEntry

# Any constant: the key of the PostgreSQL advisory lock below.
JOURNAL_LOCK = 0x63686565


def record(dbsession, project, action, version=None, user=None) -> int:
    """Add an entry; its id is the new serial of ``project``.

    Serials must become visible in the order they are handed out: a mirror
    that has read up to serial N never looks below N again, and a page cached
    under serial N must not miss a change with a smaller serial. So on
    PostgreSQL a transaction takes a lock before its first entry and keeps it
    to its commit; writers are serialized from there on (SQLite's writers
    are serialized anyway). Callers journal last, after any slow work.
    """
    if dbsession.bind.dialect.name == "postgresql":
        dbsession.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": JOURNAL_LOCK})
    entry = JournalEntry(
        name=project.name,
        version=str(version) if version is not None else None,
        action=action,
        submitted_by=user.username if user is not None else None,
    )
    dbsession.add(entry)
    dbsession.flush()
    project.last_serial = entry.id
    # A CDN in front drops the project's pages once this commits.
    cdn_keys.changed(dbsession, project.normalized_name)
    return entry.id


def last_serial(dbsession) -> int:
    return dbsession.scalar(select(func.max(JournalEntry.id))) or 0

"""The journal: one row per mutation, whose id is the serial (PEP 381).

A project's ``last_serial`` follows its newest entry; pages and caches key
on it, so every change a client should see must go through :func:`record`.
"""

from sqlalchemy import func, select

from .models import JournalEntry


def record(dbsession, project, action, version=None, user=None) -> int:
    entry = JournalEntry(
        name=project.name,
        version=str(version) if version is not None else None,
        action=action,
        submitted_by=user.username if user is not None else None,
    )
    dbsession.add(entry)
    dbsession.flush()
    project.last_serial = entry.id
    return entry.id


def last_serial(dbsession) -> int:
    return dbsession.scalar(select(func.max(JournalEntry.id))) or 0

"""The keys pages carry for a CDN, and purging them after a commit.

A project's pages (simple HTML and JSON, the JSON API, its feed) carry
``project-<normalized name>``; the pages about the whole index (the simple
root, the feeds of updates) carry ``index``. Every change the journal
records purges its project's key and ``index`` once the change has
committed, whichever session made it: a request's or a command's.
"""

import logging
import threading

import sqlalchemy.event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

INDEX = "index"
# Session.info keys: the purger of the sessions a factory makes, and the
# keys a transaction changed.
PURGER = "cheeseshop.purger"
CHANGED = "cheeseshop.changed_keys"


class PurgeFailed(Exception):
    """A purge the front server did not confirm (one line)."""


def project_key(normalized_name: str) -> str:
    return f"project-{normalized_name}"


def keys_of_context(context) -> list[str]:
    """The keys of the page a view renders for ``context``."""
    project = getattr(context, "project", None)
    name = getattr(project, "normalized_name", None) or getattr(context, "normalized_name", None)
    return [project_key(name)] if name else [INDEX]


def changed(dbsession, normalized_name: str):
    """Note that ``dbsession``'s transaction changes a project's pages."""
    if dbsession.info.get(PURGER) is None:
        return
    dbsession.info.setdefault(CHANGED, set()).update({project_key(normalized_name), INDEX})


def _after_commit(session):
    keys = session.info.pop(CHANGED, None)
    purger = session.info.get(PURGER)
    if not keys or purger is None:
        return
    keys = sorted(keys)
    _purge(purger, keys)
    # A page read just before the commit may reach the CDN just after the
    # purge, and would then stay for its s-maxage: purge once more when
    # such a read has surely ended.
    again = getattr(purger, "repeat_after", 0)
    if again:
        timer = threading.Timer(again, _purge, args=(purger, keys))
        timer.daemon = True
        timer.start()


def _purge(purger, keys):
    try:
        purger.purge(keys)
    except PurgeFailed as exc:
        log.warning("could not purge %s: %s", " ".join(keys), exc)


def _after_rollback(session):
    session.info.pop(CHANGED, None)


sqlalchemy.event.listen(Session, "after_commit", _after_commit)
sqlalchemy.event.listen(Session, "after_soft_rollback", lambda s, previous: _after_rollback(s))

"""Make stored bytes follow the database transaction.

Bytes are written to storage before the rows that point at them commit. If
the transaction aborts, the bytes written in it are removed again, unless a
row committed by someone else references the same key (two uploads of the
same content race; the winner keeps the bytes).

The other way round, bytes whose rows a transaction removes are deleted only
once it has committed (:func:`delete_after_commit`): until then the rows may
come back, and must still have their bytes.
"""

import logging

from transaction.interfaces import IDataManager
from zope.interface import implementer

log = logging.getLogger(__name__)


@implementer(IDataManager)
class StoredBytes:
    def __init__(self, storage, is_referenced, transaction_manager):
        self.storage = storage
        self.is_referenced = is_referenced
        self.transaction_manager = transaction_manager
        self.keys = []

    def add(self, key):
        self.keys.append(key)

    def _remove_unreferenced(self):
        keys, self.keys = self.keys, []
        for key in keys:
            try:
                if not self.is_referenced(key):
                    self.storage.delete(key)
            except Exception:  # a cleanup failure must not mask the abort
                log.exception("could not remove %s after an aborted upload", key)

    # IDataManager
    def abort(self, txn):
        self._remove_unreferenced()

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        pass

    def tpc_finish(self, txn):
        self.keys = []

    def tpc_abort(self, txn):
        self._remove_unreferenced()

    def sortKey(self):
        # After zope.sqlalchemy's "~sqlalchemy:…" (and so after the rows
        # commit or roll back): the bytes' fate follows the rows'.
        return "~~cheeseshop.storedbytes"


def stored_bytes(storage, is_referenced, transaction_manager):
    """The StoredBytes joined to the current transaction (one per transaction)."""
    tm = transaction_manager
    txn = tm.get()
    try:
        return txn.data(storage)
    except KeyError:
        manager = StoredBytes(storage, is_referenced, tm)
        txn.join(manager)
        txn.set_data(storage, manager)
        return manager


def delete_after_commit(storage, keys, dbsession, transaction_manager):
    """Delete ``keys``, whose rows ``dbsession``'s transaction (run by
    ``transaction_manager``) removes, once that transaction has committed.

    A transaction that aborts, or whose commit fails, deletes nothing. A
    delete that fails after the commit cannot undo it: it is logged, and the
    bytes stay behind as orphans, which ``cheeseshop fsck --repair`` removes.
    A transactional backend deletes in the transaction itself."""
    if storage.transactional:
        storage = storage.for_transaction(dbsession)
        for key in keys:
            storage.delete(key)
        return
    transaction_manager.get().addAfterCommitHook(_delete_if_committed, args=(storage, list(keys)))


def _delete_if_committed(committed, storage, keys):
    if not committed:
        return
    for key in keys:
        try:
            storage.delete(key)
        except Exception as exc:  # the rows are gone for good: the bytes are orphans now
            log.warning(
                "could not delete %s after its row was removed (%s); "
                "'cheeseshop fsck --repair' removes it",
                key,
                exc,
            )

"""Removing releases and files without HTTP: the rows in the transaction,
the bytes only after it commits, the journal, the audit log and the names
that can never come back."""

import errno
import logging

import pytest
from sqlalchemy import select
from transaction.interfaces import IDataManager
from zope.interface import implementer

from cheeseshop.accounts.audit import Actor, Event, events
from cheeseshop.catalog import removal
from cheeseshop.catalog.projects import CatalogError
from cheeseshop.catalog.removal import Removal
from cheeseshop.maintenance import fsck
from cheeseshop.models.catalog import File, Project, Release, RemovedFilename
from cheeseshop.models.journal import JournalEntry
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import filesystem, storage_from_settings
from tests.factories import CommitFailed, add_distribution

WHEEL_1 = "demo-1.0-py3-none-any.whl"
SDIST_1 = "demo-1.0.tar.gz"
WHEEL_2 = "demo-2.0-py3-none-any.whl"


@pytest.fixture
def storage(settings):
    """The folder ``files_dir``."""
    return storage_from_settings(load_settings(settings))


def add_index(dbsession, tm, session_factory, storage, user_id):
    """demo 1.0 (a wheel, with its .metadata, and an sdist) and demo 2.0 (a
    wheel): the storage keys of each file, by filename."""
    with tm:
        paths = {}
        for version, kind in [("1.0", "wheel"), ("1.0", "sdist"), ("2.0", "wheel")]:
            result = add_distribution(
                dbsession, storage, user_id, session_factory, tm, "demo", version, kind
            )
            paths[result.file.filename] = result.file.path
    return {
        WHEEL_1: [paths[WHEEL_1], paths[WHEEL_1] + ".metadata"],
        SDIST_1: [paths[SDIST_1]],  # an sdist has no .metadata
        WHEEL_2: [paths[WHEEL_2], paths[WHEEL_2] + ".metadata"],
    }


@pytest.fixture
def index(dbsession, tm, session_factory, storage, make_user):
    return add_index(dbsession, tm, session_factory, storage, make_user("alice"))


def remove(dbsession, storage, tm, project="demo", version="1.0", filename=None, **options):
    return removal.remove(
        dbsession,
        storage,
        project,
        version,
        filename,
        actor=Actor.command_line(),
        transaction_manager=tm,
        **options,
    )


def stored(storage):
    return sorted(storage.keys())


def keys_of(index, *filenames):
    return sorted(key for filename in filenames for key in index[filename])


def catalog(dbsession):
    """(versions, filenames, removed filenames), each sorted."""
    return (
        sorted(dbsession.scalars(select(Release.version))),
        sorted(dbsession.scalars(select(File.filename))),
        sorted(dbsession.scalars(select(RemovedFilename.filename))),
    )


def journal_since(dbsession, serial):
    return dbsession.execute(
        select(
            JournalEntry.name, JournalEntry.version, JournalEntry.action, JournalEntry.submitted_by
        )
        .where(JournalEntry.id > serial)
        .order_by(JournalEntry.id)
    ).all()


def last_serial(dbsession):
    return dbsession.scalar(select(Project.last_serial))


def test_removing_a_release_removes_its_rows_and_after_the_commit_its_bytes(
    dbsession, tm, storage, index
):
    with tm:
        # Any spelling of the name, any equivalent version.
        result = remove(dbsession, storage, tm, "Demo", "1.0.0")
        dbsession.flush()
        assert stored(storage) == keys_of(index, WHEEL_1, SDIST_1, WHEEL_2)  # not yet
    assert result == Removal(
        project="demo",
        version="1.0",
        filenames=(WHEEL_1, SDIST_1),
        filename=None,
        release_removed=True,
    )
    assert result.summary() == "removed demo 1.0 and its 2 files"
    with tm:
        assert catalog(dbsession) == (["2.0"], [WHEEL_2], [WHEEL_1, SDIST_1])
    # The wheel's .metadata went with it; 2.0 is untouched.
    assert stored(storage) == keys_of(index, WHEEL_2)


def test_removing_one_file_keeps_the_release_and_its_other_files(dbsession, tm, storage, index):
    with tm:
        result = remove(dbsession, storage, tm, filename=SDIST_1)
    assert (result.filenames, result.release_removed) == ((SDIST_1,), False)
    assert result.summary() == "removed 1 file of demo 1.0; the release keeps its other files"
    with tm:
        assert catalog(dbsession) == (["1.0", "2.0"], [WHEEL_1, WHEEL_2], [SDIST_1])
    assert stored(storage) == keys_of(index, WHEEL_1, WHEEL_2)


def test_removing_the_last_file_of_a_release_removes_the_release(dbsession, tm, storage, index):
    with tm:
        remove(dbsession, storage, tm, filename=SDIST_1)
    with tm:
        result = remove(dbsession, storage, tm, filename=WHEEL_1)
    assert (result.filenames, result.release_removed) == ((WHEEL_1,), True)
    assert result.summary() == "removed demo 1.0 too: it had no other file"
    with tm:
        assert catalog(dbsession) == (["2.0"], [WHEEL_2], [WHEEL_1, SDIST_1])
    assert stored(storage) == keys_of(index, WHEEL_2)


def test_each_removal_is_journaled_and_changes_the_serial(dbsession, tm, storage, index):
    with tm:
        before = last_serial(dbsession)
        remove(dbsession, storage, tm, filename=SDIST_1)
    with tm:
        assert journal_since(dbsession, before) == [("demo", "1.0", f"remove file {SDIST_1}", None)]
        middle = last_serial(dbsession)
        assert middle > before
        remove(dbsession, storage, tm, filename=WHEEL_1)
    with tm:
        # The last file takes the release with it: both are journaled.
        assert journal_since(dbsession, middle) == [
            ("demo", "1.0", f"remove file {WHEEL_1}", None),
            ("demo", "1.0", "remove release", None),
        ]
        after = last_serial(dbsession)
        assert after == max(dbsession.scalars(select(JournalEntry.id)))
        remove(dbsession, storage, tm, version="2.0")
    with tm:
        assert journal_since(dbsession, after) == [("demo", "2.0", "remove release", None)]


def test_each_removal_is_in_the_audit_log(dbsession, tm, storage, index, engine):
    with tm:
        remove(dbsession, storage, tm, filename=SDIST_1)
    with tm:
        remove(dbsession, storage, tm, version="2.0")
    with engine.connect() as connection:
        removals = [
            (row.actor, row.address.startswith("command line ("), row.project, row.detail)
            for row in events(connection, project="Demo")
            if row.event == Event.REMOVE
        ]
    assert removals == [
        (None, True, "demo", f"file {SDIST_1} of 1.0"),
        (None, True, "demo", f"release 2.0: {WHEEL_2}"),
    ]


def test_on_every_backend_the_bytes_follow_the_commit(
    backend_settings, dbsession, tm, session_factory, make_user, snapshot
):
    """Filesystem and S3 delete after the commit; the sql backend deletes in
    the transaction, so its abort keeps the bytes too."""
    storage = storage_from_settings(load_settings(backend_settings))
    index = add_index(dbsession, tm, session_factory, storage, make_user("alice"))
    before = snapshot()
    with pytest.raises(CommitFailed):
        with tm:
            remove(dbsession, storage, tm)
            raise CommitFailed
    assert snapshot() == before
    assert stored(storage) == keys_of(index, WHEEL_1, SDIST_1, WHEEL_2)

    with tm:
        remove(dbsession, storage, tm)
    assert stored(storage) == keys_of(index, WHEEL_2)


@implementer(IDataManager)
class RefusingVote:
    """A participant in the transaction that votes no, before the database
    commits: the commit fails."""

    transaction_manager = None

    def abort(self, txn):
        pass

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        raise CommitFailed("voted no")

    def tpc_abort(self, txn):
        pass

    def tpc_finish(self, txn):
        pass

    def sortKey(self):
        return "!refusing"  # before zope.sqlalchemy's "~sqlalchemy:..."


def test_a_failed_commit_deletes_nothing(dbsession, tm, storage, index, snapshot):
    before = snapshot()
    with pytest.raises(CommitFailed):
        with tm:
            remove(dbsession, storage, tm)
            tm.get().join(RefusingVote())
    assert snapshot() == before
    assert stored(storage) == keys_of(index, WHEEL_1, SDIST_1, WHEEL_2)


def test_a_delete_that_fails_after_the_commit_is_logged_and_left_to_fsck(
    dbsession, tm, storage, index, engine, files_dir, monkeypatch, caplog
):
    def read_only(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", path)

    with monkeypatch.context() as patch, caplog.at_level(logging.WARNING):
        patch.setattr(filesystem.os, "unlink", read_only)
        with tm:
            remove(dbsession, storage, tm, version="2.0")  # commits all the same
    with tm:
        assert catalog(dbsession) == (["1.0"], [WHEEL_1, SDIST_1], [WHEEL_2])
    left = keys_of(index, WHEEL_2)
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings == [
        f"could not delete {key} after its row was removed ([Errno 30] Read-only file system: "
        f"'{files_dir / key}'); 'cheeseshop fsck --repair' removes it"
        for key in left
    ]
    report = fsck.check_index(engine, storage)
    assert [(problem.kind, problem.key) for problem in report.problems] == [
        (fsck.ORPHAN, key) for key in left
    ]
    fsck.remove_orphans(engine, storage, report)
    assert stored(storage) == keys_of(index, WHEEL_1, SDIST_1)


def test_a_plan_changes_nothing_and_a_changed_release_is_not_removed(
    dbsession, tm, storage, index, snapshot
):
    before = snapshot()
    with tm:
        planned = removal.plan(dbsession, "demo", "2.0")
    assert snapshot() == before
    with tm:
        assert remove(dbsession, storage, tm, version="2.0", expected=planned) == planned

    with tm:
        planned = removal.plan(dbsession, "demo", "1.0")
    assert planned.filenames == (WHEEL_1, SDIST_1)
    # Between the confirmation and the removal, someone removes a file: what
    # was confirmed is no longer what would go, so nothing goes.
    with tm:
        remove(dbsession, storage, tm, filename=SDIST_1)
    before = snapshot()
    with pytest.raises(CatalogError) as raised:
        with tm:
            remove(dbsession, storage, tm, expected=planned)
    assert str(raised.value) == "demo 1.0 changed after the removal was planned; nothing removed"
    assert snapshot() == before
    assert stored(storage) == keys_of(index, WHEEL_1)


@pytest.mark.parametrize(
    "project, version, filename, message",
    [
        ("nope", "1.0", None, "project 'nope' not found"),
        ("demo", "9.9", None, "project 'demo' has no release '9.9'"),
        (
            "demo",
            "1.0",
            "demo-1.0-py2-none-any.whl",
            "demo 1.0 has no file 'demo-1.0-py2-none-any.whl'",
        ),
        ("demo", "1.0", WHEEL_2, f"{WHEEL_2!r} is a file of demo 2.0, not of demo 1.0"),
    ],
)
def test_errors_change_nothing(
    dbsession, tm, storage, index, snapshot, project, version, filename, message
):
    before = snapshot()
    for attempt in (removal.plan, remove):
        with pytest.raises(CatalogError) as raised:
            with tm:
                if attempt is remove:
                    remove(dbsession, storage, tm, project, version, filename)
                else:
                    removal.plan(dbsession, project, version, filename)
        assert str(raised.value) == message
    assert snapshot() == before
    assert stored(storage) == keys_of(index, WHEEL_1, SDIST_1, WHEEL_2)


def test_a_removed_file_cannot_be_removed_again(dbsession, tm, storage, index):
    with tm:
        remove(dbsession, storage, tm, filename=SDIST_1)
    with pytest.raises(CatalogError) as raised:
        with tm:
            remove(dbsession, storage, tm, filename=SDIST_1)
    assert str(raised.value) == f"{SDIST_1!r} was removed already"

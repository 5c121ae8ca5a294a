"""The journal: every change gets the next serial, and the project's
``last_serial`` follows its newest entry (PEP 381, and the ETags)."""

from sqlalchemy import select

from cheeseshop.accounts import users as accounts
from cheeseshop.catalog import journal, projects, releases
from cheeseshop.models.catalog import Project
from cheeseshop.models.journal import JournalEntry
from cheeseshop.publishing import recording
from cheeseshop.publishing.form import read_upload
from tests import factories
from tests.factories import FIELD_LIMITS, getall


def entries(dbsession):
    return dbsession.execute(
        select(
            JournalEntry.id,
            JournalEntry.name,
            JournalEntry.version,
            JournalEntry.action,
            JournalEntry.submitted_by,
        ).order_by(JournalEntry.id)
    ).all()


def test_an_empty_index_has_serial_zero(dbsession, tm):
    with tm:
        assert journal.last_serial(dbsession) == 0


def test_serials_increase_and_last_serial_follows(dbsession, tm):
    with tm:
        one = factories.project("One")
        two = factories.project("Two")
        dbsession.add_all([one, two])
        first = journal.record(dbsession, one, "create")
        second = journal.record(dbsession, two, "create")
        third = journal.record(dbsession, one, "new release", version="1.0")
        assert first < second < third
        assert (one.last_serial, two.last_serial) == (third, second)
        assert journal.last_serial(dbsession) == third
    with tm:
        assert dbsession.scalar(select(Project.last_serial).where(Project.name == "One")) == third
        assert [row[1:] for row in entries(dbsession)] == [
            ("One", None, "create", None),
            ("Two", None, "create", None),
            ("One", "1.0", "new release", None),
        ]


def test_each_change_of_a_project_is_journaled(dbsession, tm):
    with tm:
        alice = accounts.create_user(dbsession, "alice", "secret")
        upload = read_upload(
            getall(metadata_version="2.1", name="Demo", version="1.0"), limits=FIELD_LIMITS
        )
        recording.register(dbsession, alice, None, upload, readme_seconds=5)
    with tm:
        releases.yank(dbsession, "demo", "1.0", reason="bad")
        releases.unyank(dbsession, "demo", "1.0")
        projects.set_status(dbsession, "demo", "archived")
    with tm:
        rows = entries(dbsession)
        assert [row[1:] for row in rows] == [
            ("Demo", None, "create", "alice"),
            ("Demo", None, "add Owner alice", "alice"),
            ("Demo", "1.0", "new release", "alice"),
            ("Demo", "1.0", "yank release", None),
            ("Demo", "1.0", "unyank release", None),
            ("Demo", None, "set status archived", None),
        ]
        serials = [row[0] for row in rows]
        assert serials == sorted(set(serials))
        demo = dbsession.scalar(select(Project).where(Project.normalized_name == "demo"))
        assert demo.last_serial == serials[-1] == journal.last_serial(dbsession)

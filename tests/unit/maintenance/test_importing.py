"""Importing a folder of distributions (as pypiserver keeps them), file by
file through the upload's steps, on SQLite and PostgreSQL."""

import hashlib

import pytest
from sqlalchemy import select

from cheeseshop.accounts.audit import Event
from cheeseshop.maintenance import importing
from cheeseshop.maintenance.importing import Outcome, Result
from cheeseshop.models.accounts import AUDIT_EVENTS, Role
from cheeseshop.models.catalog import File, Project, Release
from cheeseshop.models.journal import JournalEntry
from cheeseshop.settings import load as load_settings
from tests import factories
from tests.factories import INSPECTION_LIMITS


@pytest.fixture
def storage(settings):
    from cheeseshop.storage import storage_from_settings

    return storage_from_settings(load_settings(settings))


@pytest.fixture
def make_importer(session_factory, storage):
    def make(owner=None):
        return importing.Importer(
            session_factory, storage, INSPECTION_LIMITS, owner=owner, source="/srv/packages"
        )

    return make


def put(folder, filename, content):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_bytes(content)
    return content


def put_distribution(folder, name, version, kind="wheel", **fields):
    filename, content = factories.distribution(name, version, kind, **fields)
    put(folder, filename, content)
    return filename, content


def run(importer, folder):
    files = importing.list_folder(folder)
    done = []
    report = importing.import_folder(importer, folder, files, progress=done.append)
    assert sum(done) == sum(size for _, size in files)
    return report


def test_a_flat_and_a_per_project_folder_are_imported_with_their_metadata(
    tmp_path, make_importer, engine, files_dir
):
    packages = tmp_path / "packages"
    wheel, wheel_bytes = put_distribution(packages / "demo", "demo", "1.0", summary="A demo")
    sdist, _ = put_distribution(packages / "demo", "demo", "1.0", "sdist", summary="A demo")
    other, _ = put_distribution(packages, "Other.Pkg", "2.0", summary="Another")
    put(packages, "README.txt", b"not a distribution")

    report = run(make_importer(), packages)

    assert report.summary() == "imported 3, already there 0, conflicts 0, failed 0, skipped 1"
    assert report.complete
    assert report.problems == [
        Result(Outcome.SKIPPED, "README.txt", "not a wheel or an sdist (.whl, .tar.gz, .zip)")
    ]
    assert sorted(report.projects_created) == ["Other.Pkg", "demo"]
    with engine.connect() as connection:
        files = {row.filename: row for row in connection.execute(select(File))}
        assert sorted(files) == sorted([wheel, sdist, other])
        assert files[wheel].sha256_digest == hashlib.sha256(wheel_bytes).hexdigest()
        assert files[wheel].metadata_sha256 is not None  # PEP 658, as an upload
        assert files[sdist].metadata_sha256 is None
        assert all(row.uploaded_by_id is None for row in files.values())
        summaries = dict(
            connection.execute(select(Project.name, Release.summary).join(Release)).all()
        )
        assert summaries == {"demo": "A demo", "Other.Pkg": "Another"}
        assert connection.execute(select(Role)).all() == []  # no owner without --owner
        actions = connection.execute(
            select(JournalEntry.name, JournalEntry.action).order_by(JournalEntry.id)
        ).all()
        events = connection.execute(
            select(AUDIT_EVENTS.c.event, AUDIT_EVENTS.c.project, AUDIT_EVENTS.c.detail)
        ).all()
    assert ("demo", "create") in actions and ("demo", "new release") in actions
    assert ("demo", f"add py3 file {wheel}") in actions
    assert ("demo", f"add source file {sdist}") in actions
    assert sorted(events) == sorted(
        (Event.IMPORT, project, f"{filename} from /srv/packages")
        for project, filename in [("demo", wheel), ("demo", sdist), ("other-pkg", other)]
    )
    stored = factories.stored_files(files_dir)
    assert len(stored) == 5  # three files and the wheels' .metadata
    assert files[wheel].path in stored and files[wheel].path + ".metadata" in stored


def test_a_second_run_finds_everything_already_there_and_changes_nothing(
    tmp_path, make_importer, snapshot
):
    packages = tmp_path / "packages"
    put_distribution(packages, "demo", "1.0")
    put_distribution(packages, "demo", "1.1", "sdist")
    assert run(make_importer(), packages).counts[Outcome.IMPORTED] == 2
    before = snapshot()
    again = run(make_importer(), packages)
    assert again.summary() == "imported 0, already there 2, conflicts 0, failed 0, skipped 0"
    assert again.problems == [] and again.projects_created == []
    assert snapshot() == before


def test_the_owner_gets_the_projects_the_import_creates_and_no_other(
    tmp_path, make_importer, make_user, engine, session_factory, storage, tm, dbsession
):
    uploader = make_user("alice")
    bob = make_user("bob")
    with tm:
        factories.add_wheel(dbsession, storage, uploader, session_factory, tm, "existing", "1.0")
    packages = tmp_path / "packages"
    put_distribution(packages, "existing", "2.0")
    put_distribution(packages, "fresh", "1.0")

    report = run(make_importer(owner="bob"), packages)

    assert report.counts[Outcome.IMPORTED] == 2
    assert report.projects_created == ["fresh"]
    with engine.connect() as connection:
        roles = connection.execute(
            select(Project.name, Role.role_name, Role.user_id).join(Role)
        ).all()
        uploaded_by = dict(connection.execute(select(File.filename, File.uploaded_by_id)).all())
    assert sorted(roles) == [("existing", "Owner", uploader), ("fresh", "Owner", bob)]
    assert uploaded_by == {
        factories.wheel_filename("existing", "1.0"): uploader,
        factories.wheel_filename("existing", "2.0"): bob,
        factories.wheel_filename("fresh", "1.0"): bob,
    }


def test_an_owner_who_does_not_exist_is_refused_before_anything(make_importer):
    with pytest.raises(importing.NoSuchOwner, match="no user 'nobody'"):
        make_importer(owner="nobody")


def test_the_same_name_with_other_bytes_is_a_conflict_and_is_not_overwritten(
    tmp_path, make_importer, snapshot
):
    packages = tmp_path / "packages"
    filename, original = put_distribution(packages, "demo", "1.0", summary="first")
    run(make_importer(), packages)
    before = snapshot()
    changed = put(packages, filename, factories.distribution("demo", "1.0", summary="second")[1])

    report = run(make_importer(), packages)

    sha256 = hashlib.sha256(original).hexdigest()
    assert report.problems == [
        Result(
            Outcome.CONFLICT,
            filename,
            f"the index has {filename} with other bytes (sha256 {sha256}, "
            f"not {hashlib.sha256(changed).hexdigest()}): not overwritten",
        )
    ]
    assert not report.complete
    assert snapshot() == before


def test_an_invalid_file_fails_with_the_uploads_message_and_the_rest_is_imported(
    tmp_path, make_importer, engine, files_dir
):
    packages = tmp_path / "packages"
    # A wheel whose METADATA names another project than its filename.
    put(
        packages,
        factories.wheel_filename("demo", "1.0"),
        factories.wheel("demo", "1.0", metadata=factories.metadata_text("other", "1.0")),
    )
    put(packages, "broken-1.0.tar.gz", b"not a tar.gz")
    put(packages, "Demo-2.0.tar.gz", factories.sdist("demo", "2.0"))
    good, _ = put_distribution(packages, "good", "1.0")

    report = run(make_importer(), packages)

    assert report.summary() == "imported 1, already there 0, conflicts 0, failed 3, skipped 0"
    reasons = {result.source: result.reason for result in report.problems}
    assert reasons["demo-1.0-py3-none-any.whl"] == (
        "Start filename for 'other' with 'other': 'demo-1.0-py3-none-any.whl' "
        "belongs to another project."
    )
    assert reasons["Demo-2.0.tar.gz"] == (
        "Invalid filename 'Demo-2.0.tar.gz': use its canonical spelling 'demo-2.0.tar.gz' "
        "(normalized project name and version)."
    )
    assert reasons["broken-1.0.tar.gz"].startswith("Invalid distribution file")
    with engine.connect() as connection:
        assert connection.execute(select(File.filename)).scalars().all() == [good]
    assert len(factories.stored_files(files_dir)) == 2  # the good wheel and its .metadata


def test_names_packaging_cannot_read_are_skipped_with_why(tmp_path, make_importer):
    packages = tmp_path / "packages"
    put(packages, "demo-1.0-py2.7.egg", b"egg")
    put(packages, "not-a-wheel.whl", b"zip")
    put(packages, "demo-1.0.tar.bz2", b"bz2")
    report = run(make_importer(), packages)
    assert report.complete  # skipped files are no failure
    assert report.problems == [
        Result(
            Outcome.SKIPPED, "demo-1.0-py2.7.egg", "not a wheel or an sdist (.whl, .tar.gz, .zip)"
        ),
        Result(
            Outcome.SKIPPED, "demo-1.0.tar.bz2", "not a wheel or an sdist (.whl, .tar.gz, .zip)"
        ),
        Result(
            Outcome.SKIPPED,
            "not-a-wheel.whl",
            "not a distribution's filename: Invalid wheel filename (wrong number of parts): "
            "'not-a-wheel'",
        ),
    ]


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path, make_importer, engine, snapshot):
    packages = tmp_path / "packages"
    names = [put_distribution(packages, "demo", f"1.{n}")[0] for n in range(3)]

    def interrupt(size):
        raise KeyboardInterrupt  # Ctrl-C after the first file

    files = importing.list_folder(packages)
    with pytest.raises(KeyboardInterrupt):
        importing.import_folder(make_importer(), packages, files, progress=interrupt)
    with engine.connect() as connection:
        assert connection.execute(select(File.filename)).scalars().all() == names[:1]

    report = run(make_importer(), packages)
    assert report.summary() == "imported 2, already there 1, conflicts 0, failed 0, skipped 0"
    with engine.connect() as connection:
        assert sorted(connection.execute(select(File.filename)).scalars()) == names


def test_a_file_larger_than_the_limit_fails_as_an_upload_would(
    tmp_path, session_factory, storage, snapshot
):
    import dataclasses

    limits = dataclasses.replace(INSPECTION_LIMITS, max_file_size=100)
    packages = tmp_path / "packages"
    filename, _ = put_distribution(packages, "demo", "1.0")
    before = snapshot()
    report = run(importing.Importer(session_factory, storage, limits), packages)
    assert report.problems == [
        Result(Outcome.FAILED, filename, "File too large. Limit is 100 bytes (100 bytes).")
    ]
    assert snapshot() == before

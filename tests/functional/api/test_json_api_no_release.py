"""The JSON API of a project whose releases were all removed: still a
document, with no releases, so that a mirror following the changelog
(bandersnatch) rewrites its page without the removed files instead of
skipping the project (it skips a 404) and serving them on."""

from cheeseshop.accounts.audit import Actor
from cheeseshop.catalog import removal
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from tests import factories
from tests.factories import upload
from tests.functional.api.test_json_api import PYPI_INFO_KEYS


def remove_release(settings, session_factory, tm, dbsession, project, version):
    storage = storage_from_settings(load_settings(settings))
    with tm:
        removal.remove(
            dbsession,
            storage,
            project,
            version,
            None,
            actor=Actor.command_line(),
            transaction_manager=tm,
        )


def test_a_project_without_releases_has_an_empty_document(
    testapp, alice, settings, session_factory, tm, dbsession
):
    filename, content = factories.distribution("Gone.Pkg", "1.0", "wheel")
    upload(testapp, alice, "Gone.Pkg", "1.0", filename=filename, content=content)
    before = testapp.get("/pypi/gone-pkg/json")
    assert [f["filename"] for f in before.json["releases"]["1.0"]] == [filename]

    remove_release(settings, session_factory, tm, dbsession, "Gone.Pkg", "1.0")

    response = testapp.get("/pypi/gone-pkg/json")
    document = response.json
    assert document["releases"] == {} and document["urls"] == []
    # the serial moved on, so a mirror's stale-page check accepts the document
    assert document["last_serial"] == int(response.headers["X-PyPI-Last-Serial"])
    assert document["last_serial"] > before.json["last_serial"]
    info = document["info"]
    assert set(info) == PYPI_INFO_KEYS | {"description_html"}
    assert info["name"] == "Gone.Pkg" and info["version"] is None
    assert info["classifiers"] == [] and info["yanked"] is False
    # the simple page agrees: the project is there, with no files
    simple = testapp.get(
        "/simple/gone-pkg/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    assert simple.json["files"] == []
    # a release of it, and a project that never was, are still not found
    testapp.get("/pypi/gone-pkg/1.0/json", status=404)
    testapp.get("/pypi/never-was/json", status=404)

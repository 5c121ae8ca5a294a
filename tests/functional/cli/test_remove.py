"""``cheeseshop remove``, run in-process with click's CliRunner against an
index that the web application serves: what an operator types and reads,
and what installers and uploaders meet afterwards."""

import pytest

from tests.factories import PASSWORD, assert_one_line_error, stored_files, upload

ALICE = ("alice", PASSWORD)
WHEEL = "demo-1.0-py3-none-any.whl"
SDIST = "demo-1.0.tar.gz"
SIMPLE_JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
REFUSED = (
    "400 This filename has already been used, use a different version: {!r} was removed, "
    "and a filename can be used only once."
)


@pytest.fixture
def index(served):
    """``served``, whose demo 1.0 has a wheel and an sdist."""
    upload(served, ALICE, "demo", "1.0", kind="sdist")
    return served


def file_paths(testapp):
    """The download paths the simple page lists, by filename."""
    files = testapp.get("/simple/demo/", headers=SIMPLE_JSON).json["files"]
    return {file["filename"]: file["url"][file["url"].index("/packages/") :] for file in files}


def serial(testapp):
    return int(testapp.get("/simple/demo/").headers["X-PyPI-Last-Serial"])


def test_removing_a_release(cli, index, data_dir):
    paths = file_paths(index)
    assert sorted(paths) == [WHEEL, SDIST]
    index.get(paths[WHEEL] + ".metadata", status=200)
    assert list(index.get("/pypi/demo/json").json["releases"]) == ["1.0"]
    before = serial(index)

    result = cli("remove", "demo", "1.0", "--yes")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"removed {WHEEL}\nremoved {SDIST}\nremoved demo 1.0 and its 2 files\n"
    )

    # Installers no longer find the files, nor their metadata.
    assert serial(index) > before
    page = index.get("/simple/demo/").text
    assert WHEEL not in page and SDIST not in page
    for path in paths.values():
        index.get(path, status=404)
    index.get(paths[WHEEL] + ".metadata", status=404)
    index.get("/pypi/demo/1.0/json", status=404)
    # The project stays, with no release left: mirrors (bandersnatch) learn
    # of the removal from its JSON document.
    document = index.get("/pypi/demo/json").json
    assert (document["releases"], document["urls"]) == ({}, [])
    assert stored_files(data_dir / "files") == []

    # Neither filename can come back, even with other bytes; a new version can.
    response = upload(index, ALICE, "demo", "1.0", status=400, summary="the same again")
    assert response.status == REFUSED.format(WHEEL)
    response = upload(index, ALICE, "demo", "1.0", kind="sdist", status=400)
    assert response.status == REFUSED.format(SDIST)
    upload(index, ALICE, "demo", "1.0.1")
    assert list(file_paths(index)) == ["demo-1.0.1-py3-none-any.whl"]
    assert list(index.get("/pypi/demo/json").json["releases"]) == ["1.0.1"]

    # Nothing left behind in storage, nothing missing.
    checked = cli("fsck")
    assert checked.exit_code == 0, checked.output
    assert checked.stdout == "checked 1 files, 1 metadata files, 2 stored keys: no problems\n"


def test_removing_one_file_then_the_last(cli, index):
    paths = file_paths(index)

    result = cli("remove", "Demo", "1.0.0", "--file", SDIST, input="y\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"removed {SDIST}\nremoved 1 file of demo 1.0; the release keeps its other files\n"
    )
    # What goes was listed before the question, and yank was suggested.
    assert result.stderr == (
        "This removes one file of demo 1.0:\n"
        f"  {SDIST}\n"
        "It cannot be undone, and a removed filename can never be uploaded again. "
        "'cheeseshop yank demo 1.0' is usually the better choice: installers skip a yanked "
        "release, but whoever pinned it still gets it.\n"
        "Remove? [y/N]: y\n"  # the runner echoes what is typed
    )
    assert list(file_paths(index)) == [WHEEL]
    index.get(paths[SDIST], status=404)
    index.get(paths[WHEEL], status=200)
    (kept,) = index.get("/pypi/demo/json").json["releases"]["1.0"]
    assert kept["filename"] == WHEEL
    response = upload(index, ALICE, "demo", "1.0", kind="sdist", status=400)
    assert response.status == REFUSED.format(SDIST)

    result = cli("remove", "demo", "1.0", "--file", WHEEL, "--yes")
    assert result.exit_code == 0, result.output
    assert result.output == f"removed {WHEEL}\nremoved demo 1.0 too: it had no other file\n"
    index.get("/pypi/demo/1.0/json", status=404)
    index.get(paths[WHEEL], status=404)


@pytest.mark.parametrize("answer", ["n\n", "\n", None], ids=["no", "default", "no input"])
def test_without_yes_nothing_is_removed_unless_confirmed(cli, index, data_dir, answer):
    paths = file_paths(index)
    stored = stored_files(data_dir / "files")

    result = cli("remove", "demo", "1.0", input=answer)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"This removes demo 1.0 and all its files:\n  {WHEEL}\n")
    assert "'cheeseshop yank demo 1.0' is usually the better choice" in result.stderr
    assert result.stderr.endswith("Error: nothing removed (--yes removes without asking)\n")

    assert file_paths(index) == paths
    for path in paths.values():
        index.get(path, status=200)
    assert stored_files(data_dir / "files") == stored


def test_errors_are_one_line(cli, index):
    # Found out before anything is asked.
    assert_one_line_error(cli("remove", "nope", "1.0"), "project 'nope' not found")
    assert_one_line_error(cli("remove", "demo", "9.9"), "project 'demo' has no release '9.9'")
    assert_one_line_error(
        cli("remove", "demo", "1.0", "--file", "demo-1.0.zip", "--yes"),
        "demo 1.0 has no file 'demo-1.0.zip'",
    )
    assert sorted(file_paths(index)) == [WHEEL, SDIST]

    assert cli("remove", "demo", "1.0", "--file", SDIST, "--yes").exit_code == 0
    assert_one_line_error(
        cli("remove", "demo", "1.0", "--file", SDIST), f"{SDIST!r} was removed already"
    )

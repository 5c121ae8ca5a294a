"""``cheeseshop yank``, ``unyank`` and ``status``, run in-process with click's
CliRunner: what an operator types and reads, and what the index serves
afterwards."""

from tests.factories import PASSWORD, assert_one_line_error, upload


def test_yank_and_unyank(cli, served):
    result = cli("yank", "demo", "1.0", "--reason", "broken build")
    assert result.exit_code == 0, result.output
    assert result.output == "yanked demo 1.0\n"
    (entry,) = served.get("/pypi/demo/json").json["releases"]["1.0"]
    assert (entry["yanked"], entry["yanked_reason"]) == (True, "broken build")
    assert 'data-yanked="broken build"' in served.get("/simple/demo/").text

    result = cli("unyank", "Demo", "1.0")  # any spelling of the name
    assert result.exit_code == 0, result.output
    assert result.output == "un-yanked demo 1.0\n"
    (entry,) = served.get("/pypi/demo/json").json["releases"]["1.0"]
    assert (entry["yanked"], entry["yanked_reason"]) == (False, None)
    assert "data-yanked" not in served.get("/simple/demo/").text

    assert_one_line_error(cli("unyank", "demo", "1.0"), "demo 1.0 is not yanked")


def test_yank_errors_are_one_line(cli, served):
    assert_one_line_error(cli("yank", "nope", "1.0"), "project 'nope' not found")
    assert_one_line_error(cli("unyank", "nope", "1.0"), "project 'nope' not found")
    assert_one_line_error(cli("yank", "demo", "9.9"), "project 'demo' has no release '9.9'")
    assert served.get("/pypi/demo/json").json["info"]["yanked"] is False


def test_status(cli, served):
    result = cli("status", "demo", "archived", "--reason", "moved to demo2")
    assert result.exit_code == 0, result.output
    assert result.output == "demo is archived\n"
    page = served.get("/simple/demo/").text
    assert '<meta name="pypi:project-status" content="archived">' in page
    assert '<meta name="pypi:project-status-reason" content="moved to demo2">' in page
    response = upload(served, ("alice", PASSWORD), "demo", "2.0", status=400)
    assert "Project 'demo' is archived" in response.status

    assert cli("status", "demo", "active").exit_code == 0
    assert served.get(
        "/simple/demo/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    ).json["project-status"] == {"status": "active"}

    assert_one_line_error(cli("status", "nope", "archived"), "project 'nope' not found")
    result = cli("status", "demo", "deleted")
    assert result.exit_code == 2  # a usage error, listing the statuses
    assert (
        "'deleted' is not one of 'active', 'archived', 'quarantined', 'deprecated'" in result.output
    )

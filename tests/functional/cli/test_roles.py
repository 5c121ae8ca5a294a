"""``cheeseshop role`` and the users an admin manages: who may upload, as
the index then answers twine."""

import pytest
import webtest

from cheeseshop.app import main as make_app
from tests.factories import PASSWORD, assert_one_line_error, upload


@pytest.fixture
def index(cli, data_dir):
    """alice owns demo; bob and carol have no role; dana is an admin."""
    assert cli("db", "upgrade").exit_code == 0
    for name, extra in (("alice", ()), ("bob", ()), ("carol", ()), ("dana", ("--admin",))):
        added = cli("user", "add", name, *extra, "--password-stdin", input=PASSWORD + "\n")
        assert added.exit_code == 0, added.output
    app = webtest.TestApp(make_app({}, **{"cheeseshop.data_dir": str(data_dir)}))
    upload(app, ("alice", PASSWORD), "demo", "1.0")
    return app


def as_(name):
    return (name, PASSWORD)


def test_maintainers_and_owners_upload_others_do_not(cli, index):
    upload(index, as_("bob"), "demo", "2.0", status=403)
    result = cli("role", "add", "Demo", "bob", "--role", "maintainer")
    assert (result.exit_code, result.output) == (0, "bob is now Maintainer of demo\n")
    upload(index, as_("bob"), "demo", "2.0")
    assert cli("role", "list", "demo").output == "alice  Owner\nbob  Maintainer\n"

    result = cli("role", "add", "demo", "bob", "--role", "owner")
    assert result.output == "bob is now Owner of demo\n"
    assert cli("role", "add", "demo", "bob", "--role", "owner").output == (
        "bob is already Owner of demo\n"
    )
    result = cli("role", "remove", "demo", "bob")
    assert result.output == "bob has no role on demo any more\n"
    upload(index, as_("bob"), "demo", "3.0", status=403)
    # Each change is journaled: the project's serial moved on.
    actions = index.get("/pypi/demo/json").json["last_serial"]
    assert actions > 0


def test_the_last_owner_stays(cli, index):
    assert_one_line_error(
        cli("role", "remove", "demo", "alice"),
        "alice is the last Owner of demo and cannot be removed; make another user Owner first.",
    )
    assert_one_line_error(
        cli("role", "add", "demo", "alice", "--role", "maintainer"),
        "alice is the last Owner of demo and cannot be demoted; make another user Owner first.",
    )
    assert cli("role", "add", "demo", "carol", "--role", "owner").exit_code == 0
    assert cli("role", "add", "demo", "alice", "--role", "maintainer").exit_code == 0
    assert cli("role", "list", "demo").output == "carol  Owner\nalice  Maintainer\n"
    upload(index, as_("alice"), "demo", "2.0")


def test_role_errors_are_one_line(cli, index):
    assert_one_line_error(
        cli("role", "add", "nope", "bob", "--role", "owner"), "project 'nope' not found"
    )
    assert_one_line_error(cli("role", "add", "demo", "zed", "--role", "owner"), "No user 'zed'.")
    assert_one_line_error(cli("role", "remove", "demo", "bob"), "bob has no role on demo.")
    result = cli("role", "add", "demo", "bob", "--role", "boss")
    assert result.exit_code == 2
    assert "'boss' is not one of 'owner', 'maintainer'" in result.output


def test_an_admin_may_upload_to_any_project(cli, index):
    upload(index, as_("dana"), "demo", "2.0")
    lines = cli("user", "list").output.splitlines()
    assert [line.split()[-1] for line in lines] == ["active", "active", "active", "admin"]
    # An admin uploading first does not make the project theirs alone: the
    # uploader of a new project becomes its Owner, as anyone would.
    upload(index, as_("dana"), "fresh", "1.0")
    assert cli("role", "list", "fresh").output == "dana  Owner\n"


def test_a_disabled_user_is_refused_at_once_and_enabled_again(cli, index):
    assert cli("user", "disable", "alice").output == "alice is disabled\n"
    response = upload(index, as_("alice"), "demo", "2.0", status=403)
    assert "Invalid or non-existent authentication information." in response.status
    assert "disabled" in cli("user", "list").output.splitlines()[0]
    assert cli("user", "enable", "alice").output == "alice is enabled\n"
    upload(index, as_("alice"), "demo", "2.0")
    assert_one_line_error(cli("user", "disable", "zed"), "No user 'zed'.")

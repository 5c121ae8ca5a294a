"""``/manage/account/`` and ``/manage/project/<name>/`` through a browser's
eyes: forms with their CSRF token, flashes, refusals shown, and what the
APIs and the audit log make of each action."""

import urllib.parse

import pytest

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from tests.factories import (
    BROWSER_ADDRESS,
    PASSWORD,
    basic_auth,
    browser,
    flash_messages,
    page_error,
    page_form,
    sign_in,
    upload,
)

NEW_PASSWORD = "a new and longer passphrase"
V1_JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@pytest.fixture
def demo(testapp, alice):
    """demo 1.0, uploaded by alice (its Owner)."""
    upload(testapp, alice, "demo", "1.0")
    return "demo"


@pytest.fixture
def alice_browser(app, alice):
    signed_in = browser(app)
    sign_in(signed_in, alice)
    return signed_in


def manage_page(browser_, project="demo"):
    return browser_.get(f"/manage/project/{project}/")


def submit(page, action, expect=303, **fields):
    """Fill the form of ``page`` posting to ``action`` and send it."""
    chosen = page_form(page, action)
    for name, value in fields.items():
        chosen[name] = value
    return chosen.submit(status=expect)


def row_form(page, action, field, value):
    """The form posting to ``action`` whose hidden ``field`` is ``value``."""
    for candidate in page.forms.values():
        if candidate.action.endswith(action) and field in candidate.fields:
            if candidate.get(field).value == value:
                return candidate
    found = [(c.action, list(c.fields)) for c in page.forms.values()]
    raise AssertionError(f"no form to {action} with {field}={value}: {found}")


def events(engine, event):
    with engine.connect() as connection:
        return [row for row in audit.events(connection) if row.event == event]


# Who may see the pages


def test_anonymous_browsers_are_sent_to_sign_in(app, demo):
    anonymous = browser(app)
    for path in ("/manage/account/", "/manage/project/demo/"):
        response = anonymous.get(path, status=303)
        query = urllib.parse.urlencode({"next": path})
        assert response.location == f"http://localhost/account/login/?{query}"
    # Signing in there comes back.
    back = sign_in(anonymous, ("alice", PASSWORD), next_path="/manage/project/demo/")
    assert back.request.path == "/manage/project/demo/"


def test_a_maintainer_may_not_manage(app, testapp, demo, bob, alice_browser):
    submit(manage_page(alice_browser), "/role/", username="bob", role="Maintainer").follow()
    bob_browser = browser(app)
    sign_in(bob_browser, bob)
    refused = bob_browser.get("/manage/project/demo/", status=403)
    assert "Not allowed" in refused.text
    token = bob_browser.get("/manage/account/").html.select_one("input[name=csrf_token]")["value"]
    bob_browser.post(
        "/manage/project/demo/yank/", {"csrf_token": token, "version": "1.0"}, status=403
    )
    assert not testapp.get("/pypi/demo/json").json["releases"]["1.0"][0]["yanked"]
    # Their account page lists the project, without a link to manage it.
    account = bob_browser.get("/manage/account/")
    assert "demo" in account.text
    assert "/manage/project/demo/" not in account.text


def test_a_form_without_its_csrf_token_is_refused(app, testapp, demo, alice_browser, snapshot):
    before = snapshot()
    for fields in ({"version": "1.0"}, {"version": "1.0", "csrf_token": "forged"}):
        response = alice_browser.post("/manage/project/demo/yank/", fields, status=400)
        assert "Form expired" in response.text
        assert "reload the page" in response.text
        assert "<html" in response.text and "site-header" in response.text
    assert snapshot() == before


def test_unknown_projects_are_404(alice_browser):
    alice_browser.get("/manage/project/nothing-here/", status=404)


# The account: password


def test_changing_the_password(app, testapp, demo, alice_browser):
    other_session = browser(app)
    sign_in(other_session, ("alice", PASSWORD))
    page = alice_browser.get("/manage/account/")

    wrong = submit(
        page,
        "/manage/account/password/",
        expect=400,
        current_password="not it",
        new_password=NEW_PASSWORD,
        new_password_again=NEW_PASSWORD,
    )
    assert "The current password is wrong" in page_error(wrong)
    mismatch = submit(
        page,
        "/manage/account/password/",
        expect=400,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        new_password_again=NEW_PASSWORD + "!",
    )
    assert "differ" in page_error(mismatch)
    upload(testapp, ("alice", PASSWORD), "demo", "1.1")

    changed = submit(
        page,
        "/manage/account/password/",
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        new_password_again=NEW_PASSWORD,
    ).follow()
    assert "Your password was changed" in flash_messages(changed)[0]
    # This session goes on; the other one has ended.
    assert alice_browser.get("/manage/account/").status_int == 200
    assert other_session.get("/manage/account/", status=303).location.startswith(
        "http://localhost/account/login/"
    )
    upload(testapp, ("alice", NEW_PASSWORD), "demo", "1.2")
    upload(testapp, ("alice", PASSWORD), "demo", "1.3", status=403)
    (event,) = events(testapp.app.registry["db_engine"], Event.PASSWORD_CHANGED)
    assert (event.actor, event.address, event.user) == ("alice", BROWSER_ADDRESS, "alice")


# The account: API tokens


def test_a_token_is_shown_once_works_and_can_be_revoked(app, testapp, demo, alice_browser):
    page = alice_browser.get("/manage/account/")
    created = submit(
        page, "/manage/account/tokens/", expect=200, description="CI of demo", project=True
    )
    secret = created.html.select_one("pre#new-token").text.strip()
    assert secret.startswith("pypi-")
    assert created.html.select_one('button[data-copy="new-token"]') is not None
    assert "will not be shown again" in created.text
    assert created.headers["Cache-Control"] == "no-store"
    assert secret not in created.headers.get("Set-Cookie", "")

    upload(testapp, ("__token__", secret), "demo", "1.1")
    # Scoped to demo: no other project.
    upload(testapp, ("__token__", secret), "other", "1.0", status=403)

    listed = alice_browser.get("/manage/account/")
    assert secret not in listed.text
    assert listed.html.select_one("pre#new-token") is None
    row = listed.html.select_one("#token-list tr:has(input[name=token])")
    cells = [cell.text.strip() for cell in row.select("td")]
    assert cells[1:3] == ["upload to demo", "CI of demo"]
    assert cells[4] != "-"  # last used
    assert cells[6] == "active"

    token_id = row.select_one("input[name=token]")["value"]
    revoked = row_form(listed, "/manage/account/revoke/", "token", token_id).submit(status=303)
    assert f"Token {token_id} is revoked" in flash_messages(revoked.follow())[0]
    upload(testapp, ("__token__", secret), "demo", "1.2", status=403)
    after = alice_browser.get("/manage/account/")
    assert after.html.select_one("input[name=token]") is None  # no revoke button left
    assert "revoked" in after.html.select_one("#token-list").text

    engine = app.registry["db_engine"]
    (made,) = events(engine, Event.TOKEN_CREATED)
    assert (made.actor, made.address, made.user) == ("alice", BROWSER_ADDRESS, "alice")
    assert made.detail == f"token {token_id}: upload to demo"
    (gone,) = events(engine, Event.TOKEN_REVOKED)
    assert (gone.actor, gone.address, gone.detail) == (
        "alice",
        BROWSER_ADDRESS,
        f"token {token_id}",
    )


def test_token_options(app, testapp, demo, alice_browser):
    page = alice_browser.get("/manage/account/")
    read_only = submit(page, "/manage/account/tokens/", expect=200, read_only=True, expires_in="30")
    secret = read_only.html.select_one("pre#new-token").text.strip()
    upload(testapp, ("__token__", secret), "demo", "1.1", status=403)
    row = read_only.html.select("#token-list tbody tr")[-1]
    cells = [cell.text.strip() for cell in row.select("td")]
    assert cells[1] == "read-only"
    assert cells[5] != "never"

    refused = [
        ({"read_only": True, "project": True}, "cannot be limited to some projects"),
        ({"expires_in": "0"}, "must be a whole number from 1 to 3650"),
        ({"expires_in": "soon"}, "must be a whole number from 1 to 3650"),
        ({"description": "x" * 201}, "too long"),
    ]
    for fields, message in refused:
        fresh = alice_browser.get("/manage/account/")
        response = submit(fresh, "/manage/account/tokens/", expect=400, **fields)
        assert message in page_error(response), fields
        assert response.html.select_one("pre#new-token") is None
    # A project the user has no role on, whatever the form offered.
    token = page.html.select_one("input[name=csrf_token]")["value"]
    response = alice_browser.post(
        "/manage/account/tokens/", {"csrf_token": token, "project": "someone-elses"}, status=400
    )
    assert "no role on a project 'someone-elses'" in page_error(response)
    # Nothing was made by the refused ones.
    assert len(alice_browser.get("/manage/account/").html.select("input[name=token]")) == 1


def test_another_users_token_cannot_be_revoked(app, testapp, demo, bob, alice_browser):
    bob_browser = browser(app)
    sign_in(bob_browser, bob)
    made = submit(bob_browser.get("/manage/account/"), "/manage/account/tokens/", expect=200)
    secret = made.html.select_one("pre#new-token").text.strip()
    token_id = made.html.select_one("input[name=token]")["value"]
    token = alice_browser.get("/manage/account/").html.select_one("input[name=csrf_token]")["value"]
    response = alice_browser.post(
        "/manage/account/revoke/", {"csrf_token": token, "token": token_id}, status=400
    )
    assert page_error(response) == f"No token with id {token_id}."
    # Still working.
    testapp.get("/simple/demo/", headers=basic_auth(("__token__", secret)))


# The project: roles


def test_adding_a_maintainer_who_can_then_upload(app, testapp, demo, bob, alice_browser):
    upload(testapp, bob, "demo", "1.1", status=403)
    added = submit(manage_page(alice_browser), "/role/", username="bob", role="Maintainer")
    page = added.follow()
    assert flash_messages(page) == ["bob is now Maintainer of demo."]
    roles = [
        [cell.text.strip() for cell in row.select("td")][0]
        for row in page.html.select("#role-list tbody tr")
    ]
    assert roles == ["alice", "bob"]
    upload(testapp, bob, "demo", "1.1")

    (event,) = events(app.registry["db_engine"], Event.ROLE_ADDED)
    assert (event.actor, event.address, event.user, event.project, event.detail) == (
        "alice",
        BROWSER_ADDRESS,
        "bob",
        "demo",
        "Maintainer",
    )
    # Made an Owner, then removed.
    promoted = row_form(page, "/role/", "username", "bob")
    promoted["role"] = "Owner"
    assert flash_messages(promoted.submit(status=303).follow()) == ["bob is now Owner of demo."]
    page = manage_page(alice_browser)
    removed = row_form(page, "/remove-role/", "username", "bob").submit(status=303).follow()
    assert flash_messages(removed) == ["bob has no role on demo any more."]
    upload(testapp, bob, "demo", "1.2", status=403)


def test_the_last_owner_stays(app, demo, alice_browser, snapshot):
    page = manage_page(alice_browser)
    before = snapshot()
    removed = row_form(page, "/remove-role/", "username", "alice").submit(status=400)
    message = (
        "alice is the last Owner of demo and cannot be removed; make another user Owner first."
    )
    assert page_error(removed) == message
    demoted = row_form(page, "/role/", "username", "alice")
    demoted["role"] = "Maintainer"
    assert "cannot be demoted" in page_error(demoted.submit(status=400))
    unknown = submit(page, "/role/", expect=400, username="nobody", role="Owner")
    assert page_error(unknown) == "No user 'nobody'."
    # The refused page keeps what was typed.
    assert unknown.html.select_one("#new-role-username")["value"] == "nobody"
    assert snapshot() == before


def test_an_owner_giving_up_ownership_leaves_the_page(app, demo, bob, alice_browser):
    submit(manage_page(alice_browser), "/role/", username="bob", role="Owner")
    page = manage_page(alice_browser)
    same = row_form(page, "/role/", "username", "alice").submit(status=303)
    assert same.location == "http://localhost/manage/project/demo/"
    assert flash_messages(same.follow()) == ["alice is already Owner of demo."]
    page = manage_page(alice_browser)
    demoted = row_form(page, "/role/", "username", "alice")
    demoted["role"] = "Maintainer"
    response = demoted.submit(status=303)
    assert response.location == "http://localhost/manage/account/"
    assert flash_messages(response.follow()) == ["alice is now Maintainer of demo."]
    alice_browser.get("/manage/project/demo/", status=403)


# The project: yanking, removal, status


def test_yanking_and_unyanking_with_a_reason(testapp, demo, alice_browser):
    page = manage_page(alice_browser)
    yanked = row_form(page, "/yank/", "version", "1.0")
    yanked["reason"] = "broken on Windows"
    page = yanked.submit(status=303).follow()
    assert flash_messages(page) == ["Yanked demo 1.0."]
    (file,) = testapp.get("/pypi/demo/json").json["releases"]["1.0"]
    assert (file["yanked"], file["yanked_reason"]) == (True, "broken on Windows")
    assert "broken on Windows" in page.text

    page = row_form(page, "/unyank/", "version", "1.0").submit(status=303).follow()
    assert flash_messages(page) == ["Un-yanked demo 1.0."]
    (file,) = testapp.get("/pypi/demo/json").json["releases"]["1.0"]
    assert (file["yanked"], file["yanked_reason"]) == (False, None)
    # Un-yanking what is not yanked: the domain's message.
    token = page.html.select_one("input[name=csrf_token]")["value"]
    response = alice_browser.post(
        "/manage/project/demo/unyank/", {"csrf_token": token, "version": "1.0"}, status=400
    )
    assert page_error(response) == "demo 1.0 is not yanked"


def test_removing_a_release(testapp, demo, alice_browser, files_dir):
    upload(testapp, ("alice", PASSWORD), "demo", "2.0")
    file_url = testapp.get("/pypi/demo/1.0/json").json["urls"][0]["url"]
    testapp.get(file_url)
    page = manage_page(alice_browser)
    confirm = page.click(description="Remove…", href="version=1.0")
    assert "demo-1.0-py3-none-any.whl" in confirm.text
    assert "and all its files" in confirm.text

    wrong = submit(confirm, "/remove/", expect=400, confirm="dem")
    assert "Type the project's name, demo, to confirm" in page_error(wrong)
    testapp.get(file_url)

    removed = submit(wrong, "/remove/", confirm="demo").follow()
    assert flash_messages(removed) == ["Removed demo 1.0 and its only file."]
    testapp.get(file_url, status=404)
    assert list(testapp.get("/pypi/demo/json").json["releases"]) == ["2.0"]
    assert "1.0" not in [r.text for r in removed.html.select("#release-list tbody td:first-child")]


def test_removing_one_file_of_a_release(testapp, demo, alice_browser):
    upload(testapp, ("alice", PASSWORD), "demo", "1.0", kind="sdist")
    page = manage_page(alice_browser)
    whole = page.click(description="Remove…", href="version=1.0")
    assert "and all its files" in whole.text
    one = whole.click(description="remove only this file", href="demo-1.0.tar.gz")
    assert "the release keeps its other files" in one.text
    # Typed in another spelling of the name: the same project.
    removed = submit(one, "/remove/", confirm="DEMO").follow()
    assert flash_messages(removed) == [
        "Removed 1 file of demo 1.0; the release keeps its other files."
    ]
    (left,) = testapp.get("/pypi/demo/1.0/json").json["urls"]
    assert left["filename"] == "demo-1.0-py3-none-any.whl"


def test_a_removal_is_refused_when_the_release_changed_since(testapp, demo, alice_browser):
    confirm = alice_browser.get("/manage/project/demo/remove/?version=1.0")
    upload(testapp, ("alice", PASSWORD), "demo", "1.0", kind="sdist")
    refused = submit(confirm, "/remove/", expect=400, confirm="demo")
    assert "changed after the removal was planned; nothing removed" in page_error(refused)
    # The page shows what would go now.
    assert "demo-1.0.tar.gz" in refused.text
    assert len(testapp.get("/pypi/demo/1.0/json").json["urls"]) == 2
    alice_browser.get("/manage/project/demo/remove/?version=9.9", status=404)


def test_setting_the_status(testapp, demo, alice_browser):
    page = manage_page(alice_browser)
    options = [o.text for o in page.html.select("#project-status option")]
    assert options == ["active", "archived", "deprecated"]
    page = submit(page, "/status/", status="archived", reason="moved to demo2").follow()
    assert flash_messages(page) == ["demo is archived now."]
    status = testapp.get("/simple/demo/", headers=V1_JSON).json["project-status"]
    assert status == {"status": "archived", "reason": "moved to demo2"}
    upload(testapp, ("alice", PASSWORD), "demo", "1.1", status=400)

    # Quarantine is the admins' to set or lift.
    token = page.html.select_one("input[name=csrf_token]")["value"]
    response = alice_browser.post(
        "/manage/project/demo/status/",
        {"csrf_token": token, "status": "quarantined"},
        status=400,
    )
    assert "Only the index's administrators" in page_error(response)
    page = submit(page, "/status/", status="active", reason="").follow()
    assert testapp.get("/simple/demo/", headers=V1_JSON).json["project-status"] == {
        "status": "active"
    }

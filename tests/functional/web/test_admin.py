"""``/admin/``: the index's users and projects, for its admins only."""

import pytest
import sqlalchemy

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from cheeseshop.models.accounts import User
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

V1_JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@pytest.fixture
def root(make_user):
    make_user("root", admin=True)
    return ("root", PASSWORD)


@pytest.fixture
def admin_browser(app, root):
    signed_in = browser(app)
    sign_in(signed_in, root)
    return signed_in


def submit(page, action, expect=303, **fields):
    chosen = page_form(page, action)
    for name, value in fields.items():
        chosen[name] = value
    return chosen.submit(status=expect)


def row_form(page, action, field, value):
    for candidate in page.forms.values():
        if candidate.action.endswith(action) and field in candidate.fields:
            if candidate.get(field).value == value:
                return candidate
    raise AssertionError(f"no form to {action} with {field}={value}")


def column(page, table, index=0):
    return [row.select("td")[index].text.strip() for row in page.html.select(f"#{table} tbody tr")]


def test_only_admins_see_the_page(app, alice, root):
    browser(app).get("/admin/", status=303)
    alice_browser = browser(app)
    sign_in(alice_browser, alice)
    assert "Not allowed" in alice_browser.get("/admin/", status=403).text
    token = alice_browser.get("/manage/account/").html.select_one("input[name=csrf_token]")
    alice_browser.post(
        "/admin/add-user/",
        {"csrf_token": token["value"], "username": "mallory", "password": "x"},
        status=403,
    )
    # Nor by an admin's Basic credentials without the page's form token.
    browser(app).post(
        "/admin/add-user/",
        {"username": "mallory", "password": "x"},
        headers=basic_auth(root),
        status=400,
    )
    admin_browser = browser(app)
    sign_in(admin_browser, root)
    page = admin_browser.get("/admin/")
    assert column(page, "user-list") == ["alice", "root admin"]
    # The layout links to it for admins only.
    assert 'href="http://localhost/admin/"' in page.text
    assert 'href="http://localhost/admin/"' not in alice_browser.get("/manage/account/").text


def test_adding_a_user_who_can_then_sign_in(app, admin_browser):
    page = admin_browser.get("/admin/")
    added = submit(
        page, "/admin/add-user/", username="carol", email="carol@example.org", password="s3cret pw"
    ).follow()
    assert flash_messages(added) == ["Added the user carol."]
    assert "carol@example.org" in added.text
    carol = browser(app)
    assert sign_in(carol, ("carol", "s3cret pw")).request.path == "/"
    assert carol.get("/admin/", status=403)

    made_admin = submit(
        added, "/admin/add-user/", username="dave", password="pw", admin=True
    ).follow()
    assert flash_messages(made_admin) == ["Added the admin dave."]
    dave = browser(app)
    sign_in(dave, ("dave", "pw"))
    dave.get("/admin/")

    (event, _) = [e for e in _events(app, Event.USER_ADDED) if e.user in ("carol", "dave")]
    assert (event.actor, event.address, event.user) == ("root", BROWSER_ADDRESS, "carol")

    for fields, message in (
        ({"username": "carol", "password": "pw"}, "User 'carol' already exists."),
        ({"username": "bad name", "password": "pw"}, "Invalid username 'bad name'"),
        ({"username": "erin", "password": ""}, "The password must not be empty."),
        ({"username": "erin", "password": "pw", "email": "no address"}, "is not an e-mail"),
    ):
        fresh = admin_browser.get("/admin/")
        refused = submit(fresh, "/admin/add-user/", expect=400, **fields)
        assert message in page_error(refused), fields
        assert refused.html.select_one("#new-username")["value"] == fields["username"]
    assert column(admin_browser.get("/admin/"), "user-list") == [
        "carol",
        "dave admin",
        "root admin",
    ]


def test_disabling_and_enabling_a_user(app, testapp, alice, admin_browser):
    upload(testapp, alice, "demo", "1.0")
    alice_browser = browser(app)
    sign_in(alice_browser, alice)
    page = admin_browser.get("/admin/")
    disabled = row_form(page, "/admin/user-active/", "username", "alice").submit(status=303)
    assert flash_messages(disabled.follow()) == ["alice is disabled: they cannot sign in any more."]

    # Her session is over, she cannot sign in again, nor upload.
    assert alice_browser.get("/manage/account/", status=303)
    login = page_form(browser(app).get("/account/login/"), "/account/login/")
    login["username"], login["password"] = alice
    assert "wrong" in login.submit(status=400).text
    upload(testapp, alice, "demo", "1.1", status=403)
    assert "disabled" in admin_browser.get("/admin/").html.select("#user-list tbody tr")[0].text

    page = admin_browser.get("/admin/")
    enabled = row_form(page, "/admin/user-active/", "username", "alice").submit(status=303)
    assert flash_messages(enabled.follow()) == ["alice is enabled: they can sign in."]
    sign_in(browser(app), alice)
    upload(testapp, alice, "demo", "1.1")
    assert [e.event for e in _events(app, Event.USER_DISABLED, Event.USER_ENABLED)] == [
        Event.USER_DISABLED,
        Event.USER_ENABLED,
    ]


def test_an_admin_cannot_disable_themselves(admin_browser):
    page = admin_browser.get("/admin/")
    # No button for it; and the form refused if sent anyway.
    assert not [f for f in page.forms.values() if f.action.endswith("/admin/user-active/")]
    token = page.html.select_one("input[name=csrf_token]")["value"]
    refused = admin_browser.post(
        "/admin/user-active/",
        {"csrf_token": token, "username": "root", "active": "no"},
        status=400,
    )
    assert page_error(refused) == "You cannot disable your own account."
    admin_browser.get("/admin/")


def test_quarantining_a_project(app, testapp, alice, admin_browser):
    upload(testapp, alice, "demo", "1.0")
    assert "demo-1.0" in testapp.get("/simple/demo/").text
    page = admin_browser.get("/admin/")
    assert column(page, "project-list", 1) == ["active"]
    chosen = row_form(page, "/admin/project-status/", "project", "demo")
    chosen["status"] = "quarantined"
    chosen["reason"] = "malware reported"
    page = chosen.submit(status=303).follow()
    assert flash_messages(page) == ["demo is quarantined now."]
    assert column(page, "project-list", 1) == ["quarantined malware reported"]

    simple = testapp.get("/simple/demo/")
    assert "<a " not in simple.text
    assert 'content="quarantined"' in simple.text
    data = testapp.get("/simple/demo/", headers=V1_JSON).json
    assert data["files"] == []
    assert data["project-status"] == {"status": "quarantined", "reason": "malware reported"}
    (event,) = _events(app, Event.STATUS_CHANGED)
    assert (event.actor, event.address, event.project) == ("root", BROWSER_ADDRESS, "demo")
    assert event.detail == "active -> quarantined: malware reported"

    # Its Owner cannot lift it; an admin can, on the project's own page too.
    alice_browser = browser(app)
    sign_in(alice_browser, alice)
    owner_page = alice_browser.get("/manage/project/demo/")
    assert "Only the index's administrators can lift a quarantine." in owner_page.text
    assert not [f for f in owner_page.forms.values() if f.action.endswith("/status/")]
    token = owner_page.html.select_one("input[name=csrf_token]")["value"]
    refused = alice_browser.post(
        "/manage/project/demo/status/", {"csrf_token": token, "status": "active"}, status=400
    )
    assert "Only the index's administrators" in page_error(refused)
    manage = admin_browser.get("/manage/project/demo/")
    lifted = submit(manage, "/status/", status="active", reason="").follow()
    assert flash_messages(lifted) == ["demo is active now."]
    assert "demo-1.0" in testapp.get("/simple/demo/").text


def test_unknown_names_are_refused_with_the_domains_message(admin_browser):
    token = admin_browser.get("/admin/").html.select_one("input[name=csrf_token]")["value"]
    cases = (
        ("/admin/project-status/", {"project": "nothing", "status": "archived"}, "not found"),
        ("/admin/project-status/", {"project": "nothing", "status": "gone"}, "Choose a status"),
        ("/admin/user-active/", {"username": "nobody", "active": "no"}, "No user 'nobody'."),
    )
    for path, fields, message in cases:
        refused = admin_browser.post(path, {"csrf_token": token, **fields}, status=400)
        assert message in page_error(refused)


def test_long_lists_are_shown_a_page_at_a_time(app, testapp, root, admin_browser):
    engine = app.registry["db_engine"]
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.insert(User),
            [{"username": f"user{n:03}", "password_hash": "-"} for n in range(150)],
        )
    first = admin_browser.get("/admin/")
    names = column(first, "user-list")
    assert len(names) == 100
    assert names[0] == "root admin"
    assert first.html.select_one('nav[aria-label="Users"] a').text == "Next users"
    second = first.click(description="Next users")
    names = column(second, "user-list")
    assert (len(names), names[-1]) == (51, "user149")
    assert second.click(description="Previous users").request.url == "http://localhost/admin/"
    filtered = admin_browser.get("/admin/?user=USER14")
    assert column(filtered, "user-list") == [f"user14{n}" for n in range(10)]
    assert admin_browser.get("/admin/?users_page=junk").status_int == 200


def _events(app, *kinds):
    with app.registry["db_engine"].connect() as connection:
        return [e for e in audit.events(connection) if e.event in kinds]

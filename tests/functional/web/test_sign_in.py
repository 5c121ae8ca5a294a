"""Signing in and out in a browser: a signed, HttpOnly, SameSite session
cookie, CSRF on every form, the login limits, and a private index that sends
browsers to the sign-in page and machines a 401."""

import re

import pytest
import webtest

from cheeseshop.accounts import users
from cheeseshop.app import main
from cheeseshop.db.sessions import get_tm_session
from tests.factories import PASSWORD, upload

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def sign_in(app, username="alice", password=PASSWORD, next_path="", status=303):
    page = app.get("/account/login/" + (f"?next={next_path}" if next_path else ""))
    form = page.forms["login-form"]
    form["username"] = username
    form["password"] = password
    return form.submit(status=status)


def signed_in_as(app):
    page = app.get("/", headers=HTML)
    account = page.html.find("nav", attrs={"aria-label": "Account"})
    return account.get_text(" ", strip=True)


def test_signing_in_and_out(testapp, alice):
    assert signed_in_as(testapp) == "Sign in"
    response = sign_in(testapp)
    assert response.location == "http://localhost/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("cheeseshop_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert PASSWORD not in cookie
    assert signed_in_as(testapp).startswith("alice Account")

    form = testapp.get("/", headers=HTML).forms["logout-form"]
    assert form.action.endswith("/account/logout/")
    form.submit(status=303)
    assert signed_in_as(testapp) == "Sign in"


def test_a_wrong_password_is_refused_and_counted(testapp, alice, engine):
    response = sign_in(testapp, password="wrong", status=400)
    assert "The username or password is wrong." in response.text
    assert signed_in_as(testapp) == "Sign in"
    with engine.connect() as connection:
        failures = connection.exec_driver_sql("SELECT count(*) FROM login_failures").scalar()
    assert failures == 1


@pytest.fixture
def settings(settings):
    return {**settings, "cheeseshop.login.max_failures_per_address": "2"}


def test_the_login_limits_apply_to_the_form(testapp, alice):
    sign_in(testapp, password="wrong", status=400)
    sign_in(testapp, password="wrong", status=400)
    refused = sign_in(testapp, status=429)
    assert re.search(r"Too many failed sign-ins; try again in \d+ seconds\.", refused.text)
    assert refused.headers["Retry-After"].isdigit()


def test_forms_need_their_csrf_token(testapp, alice):
    testapp.get("/account/login/")
    refused = testapp.post(
        "/account/login/", {"username": "alice", "password": PASSWORD}, status=400
    )
    assert signed_in_as(testapp) == "Sign in"
    assert refused.status_int == 400
    sign_in(testapp)
    # Signing out, too: a page elsewhere cannot sign a user out.
    testapp.post("/account/logout/", status=400)
    assert signed_in_as(testapp).startswith("alice")


@pytest.mark.parametrize(
    "next_path, landing",
    [
        ("/project/demo/", "http://localhost/project/demo/"),
        ("//evil.example/", "http://localhost/"),
        ("https://evil.example/", "http://localhost/"),
        ("/\\evil.example", "http://localhost/"),
    ],
)
def test_after_signing_in_the_browser_stays_on_this_site(testapp, alice, next_path, landing):
    assert sign_in(testapp, next_path=next_path).location == landing


def test_a_new_password_or_a_disabled_user_ends_the_session(testapp, alice, session_factory, tm):
    sign_in(testapp)
    with tm:
        users.set_password(get_tm_session(session_factory, tm), "alice", "another password")
    assert signed_in_as(testapp) == "Sign in"

    sign_in(testapp, password="another password")
    with tm:
        users.set_active(get_tm_session(session_factory, tm), "alice", False)
    assert signed_in_as(testapp) == "Sign in"


def test_a_forged_session_cookie_is_nobody(testapp, alice):
    testapp.set_cookie("cheeseshop_session", "eyJ1c2VyIjogWzEsICJ4Il19")
    assert signed_in_as(testapp) == "Sign in"


def test_a_form_body_is_bounded(testapp):
    response = testapp.post(
        "/account/login/", {"username": "x" * 70_000}, status=413, expect_errors=True
    )
    assert "A form may send at most 64 KiB." in response.text


def test_every_answer_carries_the_security_headers(testapp, alice):
    upload(testapp, alice, "demo", "1.0")
    for path in ("/", "/account/login/", "/simple/demo/", "/pypi/demo/json"):
        headers = testapp.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_static_files_are_versioned_and_kept_for_a_year(testapp):
    page = testapp.get("/")
    href = page.html.find("link", rel="stylesheet")["href"]
    assert re.fullmatch(r"http://localhost/static/cheeseshop\.css\?v=[0-9a-f]{12}", href)
    css = testapp.get(href.removeprefix("http://localhost"))
    assert css.content_type == "text/css"
    assert "max-age=31536000" in css.headers["Cache-Control"]


def test_pages_that_do_not_exist_look_like_the_site_and_api_404s_stay_machine_readable(testapp):
    page = testapp.get("/project/no-such-thing/", headers=HTML, status=404)
    assert page.html.find("h1").text == "Not found"
    assert page.html.find("a", class_="brand") is not None
    assert testapp.get("/pypi/no-such-thing/json", status=404).json == {"message": "Not Found"}
    assert testapp.get("/simple/no-such-thing/", status=404).content_type == "text/plain"


@pytest.fixture
def private(settings):
    return webtest.TestApp(main({}, **settings, **{"cheeseshop.read_access": "authenticated"}))


def test_a_private_index_sends_browsers_to_sign_in_and_machines_a_401(private, alice):
    for path in ("/", "/project/demo/", "/search/?q=x", "/user/alice/"):
        response = private.get(path, headers=HTML, status=303)
        assert response.location.startswith("http://localhost/account/login/?next=")
        machine = private.get(path, status=401)
        assert machine.headers["WWW-Authenticate"] == 'Basic realm="cheeseshop"'
    # The sign-in page and the stylesheet need no sign-in.
    page = private.get("/account/login/?next=/simple/", headers=HTML)
    assert page.html.find("form", role="search") is None  # nothing to search yet
    private.get(page.html.find("link", rel="stylesheet")["href"].removeprefix("http://localhost"))

    signed_in = sign_in(private, next_path="/simple/")
    assert signed_in.location == "http://localhost/simple/"
    private.get("/simple/", status=200)
    private.get("/", headers=HTML, status=200)

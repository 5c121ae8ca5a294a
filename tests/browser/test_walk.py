"""A new user's first day, in headless Chromium against a real ``cheeseshop
serve``: sign in, create a token, upload with twine using it, see the README,
add a maintainer, yank a release and see it marked, find the project by a
word of its summary, sign out. Once on a public index and once on a private
one. Every page passes axe-core; a README's script never runs. Screenshots
of the pages go to ``$CHEESESHOP_SCREENSHOTS`` (else the test's temporary
folder, printed at the end): docs/web-ui.rst shows them."""

import os
import secrets
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "clients"))
from cheeseshop_e2e import (  # noqa: E402
    Server,
    Shell,
    build_project,
    clients_venv_path,
    ensure_clients_venv,
    isolated_env,
    write_project,
)

HOSTILE_README = """\
# {name}

Aged twelve months in a cave, {sentence}

<script>window.__pwned = "script"</script>
<img src="x.png" alt="a wheel of cheese" onerror="window.__pwned = 'onerror'">
[a link](javascript:window.__pwned='link')
"""


@pytest.fixture(scope="module")
def clients():
    return ensure_clients_venv(clients_venv_path())


@pytest.fixture(params=["public", "private"])
def index(request, tmp_path):
    extra = {"CHEESESHOP_READ_ACCESS": "authenticated"} if request.param == "private" else {}
    server = Server(tmp_path / "data", extra_env=extra)
    server.start()
    try:
        yield request.param, server
    finally:
        server.stop()


@pytest.fixture
def screenshots(request, tmp_path_factory):
    folder = os.environ.get("CHEESESHOP_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    yield path
    print(f"screenshots in {path}")


class Walk:
    def __init__(self, browser, server, check, shots, kind):
        self.browser = browser
        self.server = server
        self.check = check
        self.shots = shots
        self.kind = kind

    def open(self, path):
        self.browser.get(self.server.url + path)
        return self

    def see(self, name=None):
        """The page passes the accessibility check; a screenshot of it."""
        WebDriverWait(self.browser, 10).until(
            lambda b: b.execute_script("return document.readyState") == "complete"
        )
        self.check()
        if name and self.kind == "public":
            self.browser.save_screenshot(str(self.shots / f"{name}.png"))
        return self

    def find(self, selector):
        return self.browser.find_element(By.CSS_SELECTOR, selector)

    def fill(self, selector, text):
        field = self.find(selector)
        field.clear()
        field.send_keys(text)

    def click(self, selector):
        """Click what leads to another page, and wait for it."""
        page = self.browser.find_element(By.TAG_NAME, "html")
        self.find(selector).click()
        WebDriverWait(self.browser, 10).until(expected_conditions.staleness_of(page))

    def submit(self, form_selector):
        self.click(f"{form_selector} button[type=submit]")

    def flash(self):
        return self.find(".flash").text


def test_a_new_users_first_day(index, browser, assert_accessible, screenshots, clients, tmp_path):
    kind, server = index
    browser.set_window_size(1280, 1000)
    walk = Walk(browser, server, assert_accessible, screenshots, kind)
    newbie, helper = server.add_user(), server.add_user()
    name = f"cave-aged-{secrets.token_hex(3)}"
    word = f"gruyere{secrets.token_hex(3)}"

    # Signing in: a private index sends the browser to the sign-in page.
    walk.open("/")
    if kind == "private":
        assert browser.current_url.startswith(server.url + "/account/login/?next=")
    else:
        walk.see("landing")
        walk.click("nav[aria-label=Account] a[href$='/account/login/']")
    walk.see("sign-in")
    walk.fill("#username", newbie.name)
    walk.fill("#password", newbie.password)
    walk.submit("#login-form")
    account = walk.find("nav[aria-label=Account]").text
    assert newbie.name in account and "Sign out" in account

    # A token, shown once.
    walk.open("/manage/account/").see()
    walk.fill("#token-description", "first upload")
    walk.submit("form[action$='/manage/account/tokens/']")
    token = walk.find("#new-token").text.strip()
    assert token.startswith("pypi-")
    walk.see("new-token")
    walk.open("/manage/account/")
    assert token not in browser.page_source

    # twine uploads with it.
    sh = Shell(clients, isolated_env(tmp_path / "home", clients), tmp_path, lambda: None)
    root = tmp_path / "project"
    write_project(root, "setuptools", name, "1.0")
    (root / "README.md").write_text(HOSTILE_README.format(name=name, sentence=f"a {word}."))
    setup = (root / "setup.py").read_text()
    (root / "setup.py").write_text(
        setup.replace(
            "description='cheeseshop client test package built with setuptools'",
            f"description='A nutty {word} for the walk'",
        )
    )
    sdist, wheel = build_project(sh, root, "setuptools")
    sh.twine_upload(server, ("__token__", token), [sdist, wheel])

    # The README on the project page, its script never run.
    walk.open(f"/project/{name}/").see("project")
    assert f"a {word}." in walk.find(".readme").text
    assert walk.find("h1").text.startswith(name)
    assert browser.execute_script("return window.__pwned") is None
    executable = "script, [onerror], [onload], a[href^='javascript']"
    assert walk.find(".readme").find_elements(By.CSS_SELECTOR, executable) == []
    assert "window.__pwned" in walk.find(".readme").text  # shown as text

    # Readable on a phone: nothing wider than the screen.
    browser.set_window_size(390, 844)
    walk.open(f"/project/{name}/").see("project-phone")
    overflow = "return document.documentElement.scrollWidth - window.innerWidth"
    assert browser.execute_script(overflow) <= 0
    browser.set_window_size(1280, 1000)

    # A maintainer.
    walk.open(f"/manage/project/{name}/").see("manage-project")
    walk.fill("#new-role-username", helper.name)
    Select(walk.find("#new-role")).select_by_value("Maintainer")
    walk.submit("form.manage-add")
    assert helper.name in walk.flash()
    assert helper.name in walk.find("#role-list").text

    # Yanked, with its reason, on the release's page and in the history.
    walk.fill("#yank-reason-1", "the rind is off")
    walk.click("form.manage-yank button[type=submit]")
    assert "yank" in walk.flash().lower()
    walk.open(f"/project/{name}/1.0/").see("yanked-release")
    assert "the rind is off" in walk.find("main").text
    assert walk.find(".badge.yanked").text == "yanked"

    # Found by a word of its summary.
    walk.open("/")
    walk.fill("#site-search", word)
    walk.click("form[role=search] button")
    walk.see("search")
    first = walk.find("main a[href*='/project/']")
    assert first.text.strip().startswith(name)

    # The maintainer's page lists it; the user page too.
    walk.open(f"/user/{newbie.name}/").see("user")
    assert name in walk.find("main").text

    # Signing out (the landing page, now with a release, first).
    walk.open("/").see("landing")
    assert name in walk.find("main").text
    walk.click("#logout-form button")
    assert "Sign in" in walk.find("nav[aria-label=Account]").text
    walk.open(f"/project/{name}/")
    if kind == "private":
        assert browser.current_url.startswith(server.url + "/account/login/")
    else:
        assert walk.find("h1").text.startswith(name)

"""Pages as a person sees them, in headless Chromium."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import PASSWORD, upload


def test_landing_page_tells_how_to_use_the_index(browser, live_server):
    browser.get(live_server + "/")
    assert "cheeseshop" in browser.title
    pip = browser.find_element(By.ID, "pip").text
    assert pip == f"pip install --index-url {live_server}/simple/ PACKAGE"
    twine = browser.find_element(By.ID, "twine").text
    assert twine == f"twine upload --repository-url {live_server}/legacy/ dist/*"


def test_simple_index_links_lead_to_the_files(browser, live_server, testapp, alice):
    upload(testapp, alice, "Browse.Me", "1.0")

    browser.get(live_server + "/simple/")
    browser.find_element(By.LINK_TEXT, "Browse.Me").click()
    assert browser.current_url == live_server + "/simple/browse-me/"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Links for browse-me"
    link = browser.find_element(By.LINK_TEXT, "browse_me-1.0-py3-none-any.whl")
    assert link.get_attribute("href").startswith(live_server + "/packages/")


def test_the_pages_so_far_are_accessible(browser, live_server, assert_accessible):
    for path in ("/", "/account/login/", "/no-such-page"):
        browser.get(live_server + path)
        assert_accessible()


def test_the_admin_pages_are_accessible(
    browser, live_server, testapp, make_user, alice, assert_accessible
):
    make_user("root", admin=True)
    upload(testapp, alice, "Demo", "1.0")
    browser.get(live_server + "/account/login/?next=/admin/")
    browser.find_element(By.ID, "username").send_keys("root")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda b: b.current_url == live_server + "/admin/")
    for path in ("/admin/", "/manage/project/demo/", "/manage/project/demo/remove/?version=1.0"):
        browser.get(live_server + path)
        assert browser.find_element(By.TAG_NAME, "h1").text
        assert_accessible()

"""A project's page as a person sees it, in headless Chromium."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import upload

README = "# Cheese\n\nA *fine* selection.\n\n<script>document.title = 'pwned'</script>\n"


def test_project_page_shows_the_readme_and_a_copy_button(browser, live_server, testapp, alice):
    upload(
        testapp,
        alice,
        "Browse.Me",
        "1.0",
        summary="Browsable",
        description=README,
        description_content_type="text/markdown",
    )

    browser.get(live_server + "/project/Browse.Me/")
    assert browser.current_url == live_server + "/project/browse-me/"
    assert browser.title.startswith("Browse.Me ·")
    readme = browser.find_element(By.CSS_SELECTOR, ".readme")
    assert readme.find_element(By.TAG_NAME, "h3").text == "Cheese"
    assert readme.find_element(By.TAG_NAME, "em").text == "fine"
    assert "document.title" in readme.text  # shown as text, never run
    command = browser.find_element(By.ID, "install-command").text
    assert command == f"pip install --index-url {live_server}/simple/ Browse.Me"
    # copy.js un-hides the button once the page has loaded.
    button = browser.find_element(By.CSS_SELECTOR, "button[data-copy=install-command]")
    WebDriverWait(browser, 10).until(lambda _: button.is_displayed())
    assert button.text == "Copy"
    assert button.accessible_name == "Copy the install command"
    # The history leads to the release's own page.
    browser.find_element(By.CSS_SELECTOR, "ol.history a").click()
    assert browser.current_url == live_server + "/project/browse-me/1.0/"
    assert "pwned" not in browser.title

import os
import subprocess
import threading
from pathlib import Path

import pytest
import waitress
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def live_server(app):
    """The app on a real waitress, on a free loopback port."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Closed from the server's own loop (see tests/functional/api's live).
        server.trigger.pull_trigger(server.close)
        thread.join(10)
        server.task_dispatcher.shutdown()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


AXE_JS = os.environ.get("CHEESESHOP_AXE_JS") or str(
    Path(__file__).resolve().parents[2] / ".cache" / "axe" / "node_modules/axe-core/axe.min.js"
)
# What fails a page: axe-core's two worst impact levels.
BLOCKING = ("critical", "serious")


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's script, installed from the npm registry by scripts/test.sh."""
    path = Path(AXE_JS)
    if not path.is_file():
        version = (Path(__file__).resolve().parents[2] / "requirements/axe-core.txt").read_text()
        target = path.parents[2]
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                f"axe-core@{version.strip()}",
            ],
            cwd=target,
            check=True,
            timeout=300,
        )
    return path.read_text()


@pytest.fixture
def assert_accessible(browser, axe_source):
    """assert_accessible(): the page open in the browser has no critical or
    serious finding of axe-core (WCAG 2 A and AA rules and best practices)."""

    def check():
        browser.execute_script(axe_source)
        violations = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations), e => done([{id: 'axe failed', impact: 'critical',"
            " help: String(e), nodes: []}]));"
        )
        found = [v for v in violations if v["impact"] in BLOCKING]
        assert not found, (
            "\n".join(
                f"{v['impact']}: {v['id']}: {v['help']} at "
                + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
                for v in found
            )
            + f"\n(on {browser.current_url})"
        )

    return check

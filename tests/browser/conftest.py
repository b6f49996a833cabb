"""Browser tests: Debian's Chromium driven by Playwright over a live server.

Fixtures:
  live_server   -> object with .url, .app (a real HTTP server in a thread,
                   fresh database, huey immediate)
  browser       -> a Chromium browser (session-wide)
  phone, desktop -> a new page at 360x740 or 1280x800
  shot(page, name) -> saves test-artifacts/screenshots/<name>.png
  axe(page)     -> runs axe-core (vendored: tests/fixtures/axe-core-4.10.3,
                   MPL-2.0) on the page; fails on any "serious" or "critical"
                   violation. One line in a journey: `axe(page)`.
"""
from __future__ import annotations

import os
import threading
import time
from urllib.parse import urlparse
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_test_app
from tests.factories import app_db

CHROMIUM = os.environ.get("KITUO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def db(self):
        """Context for direct database work in a test: `with live.db(): ...`"""
        return app_db(self.app)


@pytest.fixture
def live_server(tmp_path):
    # CSRF stays on: the browser submits real forms with real tokens.
    app = make_test_app(tmp_path, WTF_CSRF_ENABLED=True)
    server = LiveServer(app)
    server.thread.start()
    yield server
    server.server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs it) "
                    "or apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser, viewport, live_server, blocked):
    context = browser.new_context(viewport=viewport, locale="en-GB",
                                  service_workers="block")

    def guard(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith(("data:", "about:", "chrome:", "chrome-extension:")):
            # chrome:// and chrome-extension:// are the browser's own PDF viewer: nothing leaves the machine
            return route.continue_()
        blocked.append(url)
        return route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def outside_requests():
    """URLs the page tried to load from outside the Pi (must stay empty)."""
    return []


@pytest.fixture
def phone(browser, live_server, outside_requests):
    context, page = _page(browser, PHONE, live_server, outside_requests)
    yield page
    context.close()
    assert outside_requests == []


@pytest.fixture
def desktop(browser, live_server, outside_requests):
    context, page = _page(browser, DESKTOP, live_server, outside_requests)
    yield page
    context.close()
    assert outside_requests == []


@pytest.fixture(params=["phone", "desktop"])
def any_page(request):
    """Runs the test twice: at a 360x740 phone and at a desktop viewport."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        width = page.viewport_size["width"]
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    return take


AXE = Path(__file__).resolve().parents[1] / "fixtures" / "axe-core-4.10.3" / "axe.min.js"
AXE_FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source):
    """axe(page): the page as it is now has no serious or critical
    accessibility violation (evaluated through the driver, so the app's
    Content-Security-Policy stays as it is)."""
    def check(page):
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        failing = [v for v in result["violations"] if v["impact"] in AXE_FAILING_IMPACTS]
        assert not failing, f"axe on {page.url}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3]) for v in failing)
        return result["violations"]
    return check


def sign_in(page, base_url: str, username: str, password: str):
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The sign-in form is sent in the background and its answer replaces the
    # page (one history entry, static/js/app.js): wait for that answer. Polled
    # from here, not with page.wait_for_function (its string polling is
    # refused by the page's CSP whenever the first check is false).
    deadline = time.monotonic() + 30
    while (urlparse(page.url).path.startswith("/login")
           and not page.locator(".form-error, [id$=-error]").count()):
        assert time.monotonic() < deadline, "the sign-in form got no answer"
        page.wait_for_timeout(100)
    page.wait_for_load_state()


def menu_link(page, name: str):
    """The section menu's link `name`; on a phone the menu is folded behind
    its "Menu" button, which is opened first (as a person would)."""
    menu = page.locator("nav.module-nav")
    summary = menu.locator("summary")
    if summary.is_visible() and not menu.locator("details").evaluate("d => d.open"):
        summary.click()
    return menu.get_by_role("link", name=name, exact=True)


def print_document(page, button, save_to: Path) -> Path:
    """Printing is one action: click `button` (a locator), the PDF opens in
    the browser's viewer by itself; then the document's page again and
    Download, to read the file in the test. Returns where it was saved."""
    with page.expect_response(lambda r: "/download?open=1" in r.url) as opened:
        button.click()
    assert opened.value.headers["content-type"] == "application/pdf"
    page.wait_for_url("**/download?open=1")
    page.goto(opened.value.url.split("/download")[0])   # the document's page again
    download = page.get_by_role("button", name="Download")
    with page.expect_download() as info:
        download.click()
    info.value.save_as(save_to)
    return save_to

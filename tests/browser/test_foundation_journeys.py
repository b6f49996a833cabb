"""The foundation as people use it, at a phone and a desktop viewport."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user


def test_sign_in_and_see_dashboard(live_server, any_page, shot):
    with live_server.db():
        make_user("admin", username="amina")
    page = any_page
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    shot(page, "login")
    sign_in(page, live_server.url, "amina", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amina")
    expect(page.locator("#panel-users_by_role")).to_be_visible()
    shot(page, "dashboard-admin")

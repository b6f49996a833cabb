"""The foundation as people use it, at a phone and a desktop viewport."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import menu_link, print_document, sign_in
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


def test_switch_to_swahili_and_see_swahili(live_server, any_page, shot):
    page = any_page
    page.goto(live_server.url + "/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_role("button", name="Kiswahili").click()
    expect(page.locator("html")).to_have_attribute("lang", "sw")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ingia")
    shot(page, "login-swahili")


def test_quick_exit_button_replaces_the_page(live_server, phone):
    with live_server.db():
        make_user("member", username="halima")
    sign_in(phone, live_server.url, "halima", PASSWORD)
    phone.locator("#quick-exit").click()
    expect(phone).to_have_url(re.compile(r"/recipes$"))
    phone.go_back()
    expect(phone).not_to_have_url(re.compile(r"^" + re.escape(live_server.url) + r"/$"))
    # The session was ended on the server too.
    phone.goto(live_server.url + "/")
    expect(phone).to_have_url(re.compile(r"/login"))


def test_shift_three_times_exits(live_server, phone):
    phone.goto(live_server.url + "/login")
    for _ in range(3):
        phone.keyboard.press("Shift")
    expect(phone).to_have_url(re.compile(r"/recipes$"))


def test_admin_creates_user_prints_slip_and_user_sets_password(live_server, any_page, shot, tmp_path):
    with live_server.db():
        make_user("admin", username="amina")
    page = any_page
    sign_in(page, live_server.url, "amina", PASSWORD)
    menu_link(page, "Users").click()
    page.get_by_role("button", name="New user").click()
    page.get_by_label("Username").fill("wanjiku")
    page.get_by_label("Display name").fill("Wanjiku Kamau")
    page.get_by_label("Mentor").check()
    shot(page, "new-user-form")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator(".flash-success")).to_be_visible()
    pdf_path = print_document(page, page.get_by_role("button", name="Print setup slip"),
                              tmp_path / "slip.pdf")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Setup slip · wanjiku")
    shot(page, "setup-slip-ready")
    code = _code_from_pdf(pdf_path)

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="I have a setup code").click()
    page.get_by_label("Setup code").fill(code)
    page.locator("#password").fill("mvua ya asubuhi")
    page.get_by_label("New password again").fill("mvua ya asubuhi")
    page.get_by_role("button", name="Set my password").click()
    expect(page.locator(".flash-success")).to_contain_text("wanjiku")
    sign_in(page, live_server.url, "wanjiku", "mvua ya asubuhi")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wanjiku")


def _code_from_pdf(path) -> str:
    import subprocess
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.search(r"[A-Z0-9]{4}\s*-\s*[A-Z0-9]{4}\s*-\s*[A-Z0-9]{4}", text).group(0)


def test_keyboard_only_sign_in(live_server, desktop):
    with live_server.db():
        make_user("admin", username="amina")
    page = desktop
    page.goto(live_server.url + "/login")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused  # something is focusable in order
    page.get_by_label("Username").focus()
    page.keyboard.type("amina")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amina")

"""A member's phone after quick exit (#12, discretion): the exit button
stays in reach while scrolling, and Back leads to what was open before
Kituo, never to a Kituo page."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user

BEFORE = "data:text/html,<title>elsewhere</title><p>elsewhere</p>"


def test_quick_exit_stays_in_reach_and_back_shows_no_kituo_page(live_server, phone, shot, axe):
    with live_server.db():
        make_user("member", username="halima")
    phone.goto(BEFORE)
    sign_in(phone, live_server.url, "halima", PASSWORD)
    wrong = phone.locator("#quick-exit")
    expect(wrong).to_be_visible()
    # move around as a member does: links and a form that goes wrong first
    expect(phone).to_have_url(re.compile(r"/me$"))
    phone.get_by_role("link", name=re.compile("Change password")).first.click()
    expect(phone).to_have_url(re.compile(r"/account/password$"))
    phone.get_by_role("button", name=re.compile("Save|Change")).first.click()
    expect(phone.locator(".form-error, [id$=-error]").first).to_be_visible()
    # scrolled to the end of the page, the button is still on screen, near the thumb
    phone.mouse.wheel(0, 5000)
    box = wrong.bounding_box()
    assert box and box["y"] + box["height"] <= 740 and box["y"] > 740 / 2, box
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360
    shot(phone, "member-quick-exit-reach")
    axe(phone)
    wrong.click()
    expect(phone).to_have_url(re.compile(r"/recipes$"))
    phone.go_back()
    expect(phone).to_have_url(re.compile(r"^data:"))


def test_a_member_books_on_a_phone_with_one_confirm_step_under_me_addresses(
        live_server, phone, shot, axe):
    """At 360 px: choose a later day, a time, confirm once; every address
    the phone showed (its history) is under /me/."""
    import datetime as dt
    from tests.counselling_helpers import counsellor_every_day, make_member, no_holidays
    with live_server.db():
        no_holidays()
        counsellor_every_day(username="chebet", room="Room 4")
        make_member(user=make_user("member", username="halima"), preferred_name="Halima")
    addresses = []
    phone.on("framenavigated", lambda frame: addresses.append(frame.url)
             if frame == phone.main_frame else None)
    phone.goto(BEFORE)
    sign_in(phone, live_server.url, "halima", PASSWORD)
    expect(phone).to_have_url(re.compile(r"/me$"))
    axe(phone)
    shot(phone, "member-home")
    phone.get_by_role("button", name="Book an appointment").first.click()
    expect(phone.locator(".day-picker a").first).to_be_visible()
    axe(phone)
    phone.locator(".day-picker a").nth(3).click()               # a later day
    expect(phone.locator(".day-picker a[aria-current=date]")).to_have_count(1)
    shot(phone, "member-book-day")
    phone.locator(".time-choices a").first.click()
    confirm = phone.locator(".confirm-line")
    expect(confirm).to_contain_text("with Chebet")
    expect(confirm).to_contain_text("Room 4")
    axe(phone)
    shot(phone, "member-book-confirm")
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.locator(".flash")).to_contain_text("Your appointment is booked")
    expect(phone.locator(".appointment")).to_contain_text("with Chebet")
    axe(phone)
    shot(phone, "member-appointments")
    history = phone.evaluate("() => history.length")
    kituo = [a for a in addresses if a.startswith(live_server.url)]
    paths = [a[len(live_server.url):] for a in kituo]
    assert paths and all(p.startswith("/me") or p.startswith("/login") for p in paths), paths
    assert not [p for p in paths if re.search(r"counsel|safeguard|concern|loan|traffick", p)]
    assert history <= 3, (history, addresses)     # elsewhere, sign-in, Kituo: replaced in place

"""Staff on a 360 px phone (#12 'Staff on phones'): the section menu folds
behind one button, lists are cards that do not scroll sideways, a member's
code stays on one line, and agenda rows, dashboard links and mentoring
session dates are at least 44 px tall. At 1280 px the menu is a row of
links and the lists are tables."""
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, sign_in
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, no_holidays
from tests.factories import PASSWORD, make_member, make_user
from tests.mentorship_factories import make_mentor, make_pairing, session_input

MIN_TARGET = 44


def _setup(live_server):
    from app.counselling import bookings
    from app.mentorship import services as mentoring
    with live_server.db():
        no_holidays()
        make_user("coordinator", username="wanjiru")
        counsellor = counsellor_every_day(username="chebet")
        members = [make_member(preferred_name=name) for name in ("Amani", "Baraka", "Imani")]
        for hour, member in zip((9, 11, 14), members):
            bookings.book(member, counsellor.id, local(days_ahead(1), hour))
        mentor = make_mentor(username="akinyi")
        pairing = make_pairing(mentor=mentor, member=members[0])
        for days_ago in (1, 8, 15):
            mentoring.log_session(pairing, mentor, session_input(
                held_on=mentoring.today() - __import__("datetime").timedelta(days=days_ago)))
        return pairing, members


def _heights(page, selector):
    return page.locator(selector).evaluate_all(
        "nodes => nodes.map(n => n.getBoundingClientRect().height)")


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_a_coordinator_on_a_phone(live_server, phone, shot, axe):
    _pairing, members = _setup(live_server)
    sign_in(phone, live_server.url, "wanjiru", PASSWORD)
    menu = phone.locator("nav.module-nav")
    expect(menu.locator("summary")).to_be_visible()
    expect(menu.get_by_role("link", name="Members")).to_be_hidden()       # folded
    assert min(_heights(phone, ".panel a:not([role=button])")) >= MIN_TARGET
    axe(phone)
    shot(phone, "staff-dashboard")
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="Members")).to_be_visible()
    assert min(_heights(phone, "nav.module-nav a")) >= MIN_TARGET
    shot(phone, "staff-menu-open")
    menu.get_by_role("link", name="Members").click()
    expect(phone.locator("h1")).to_contain_text("Members")
    expect(menu.get_by_role("link", name="Members")).to_be_hidden()       # folded again
    rows = phone.locator("table.cards tbody tr")
    expect(rows).to_have_count(len(members))
    expect(phone.locator("table.cards thead")).not_to_be_in_viewport()
    # a card: the code on one line (one box), the cell labelled
    for code in phone.locator("table.cards td.code a").all():
        assert code.evaluate("n => n.getClientRects().length") == 1
    expect(rows.first.locator("td.code")).to_have_attribute("data-label", "Code")
    _no_sideways_scroll(phone)
    axe(phone)
    shot(phone, "staff-members-cards")


def test_a_counsellor_and_a_mentor_on_a_phone(live_server, phone, browser, shot, axe,
                                              outside_requests):
    pairing, _members = _setup(live_server)
    sign_in(phone, live_server.url, "chebet", PASSWORD)
    phone.goto(f"{live_server.url}/counselling/agenda?view=day&day={days_ahead(1).isoformat()}")
    items = phone.locator(".agenda-item > a")
    expect(items).to_have_count(3)
    assert min(_heights(phone, ".agenda-item > a")) >= MIN_TARGET
    for code in phone.locator(".agenda-item .code").all():
        assert code.evaluate("n => n.getClientRects().length") == 1
    _no_sideways_scroll(phone)
    axe(phone)
    shot(phone, "staff-agenda")
    phone.goto(f"{live_server.url}/counselling/availability")
    expect(phone.locator("table.cards tbody tr")).to_have_count(7)
    _no_sideways_scroll(phone)
    axe(phone)
    shot(phone, "staff-availability-cards")
    # a weekly time is changed in place, not removed and added again
    phone.locator("table.cards tbody tr").first.get_by_role("button", name="Change").click()
    expect(phone.get_by_label("Room")).to_have_value("Room 1")
    phone.get_by_label("Room").fill("Room 4")
    axe(phone)
    shot(phone, "staff-availability-change")
    phone.get_by_role("button", name="Save the weekly time").click()
    expect(phone.locator(".flash-success")).to_contain_text("Weekly time changed")
    expect(phone.locator("table.cards tbody tr")).to_have_count(7)
    expect(phone.locator("table.cards td[data-label=Room]", has_text="Room 4")).to_have_count(1)

    from tests.browser.conftest import _page
    context, mentor = _page(browser, PHONE, live_server, outside_requests)
    sign_in(mentor, live_server.url, "akinyi", PASSWORD)
    mentor.goto(f"{live_server.url}/mentoring/pairings/{pairing.id}")
    expect(mentor.locator(".session-list a")).to_have_count(3)
    assert min(_heights(mentor, ".session-list a")) >= MIN_TARGET
    axe(mentor)
    shot(mentor, "staff-mentor-sessions")
    context.close()


def test_at_a_desk_the_menu_is_a_row_and_lists_are_tables(live_server, desktop, shot):
    _setup(live_server)
    sign_in(desktop, live_server.url, "wanjiru", PASSWORD)
    menu = desktop.locator("nav.module-nav")
    expect(menu.locator("summary")).to_be_hidden()
    expect(menu.get_by_role("link", name="Members")).to_be_visible()
    desktop.goto(f"{live_server.url}/members/")
    expect(desktop.locator("table.cards thead")).to_be_visible()
    shot(desktop, "staff-members-cards")

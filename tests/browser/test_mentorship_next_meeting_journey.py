"""A mentor on a 360 px phone logs a session and the planned next meeting
is kept (#12 item 1): the form shows it, she leaves it as it is, and after
saving it is still on the pairing page and on the member's own page."""
import datetime as dt
import re

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, _page, sign_in
from tests.factories import PASSWORD, make_member, make_user
from tests.mentorship_factories import make_mentor, make_pairing, session_input


def _setup(live_server):
    from app.clock import NAIROBI, to_utc
    from app.mentorship import services
    with live_server.db():
        mentor = make_mentor(username="akinyi")
        member = make_member(preferred_name="Zawadi", status="active",
                             user=make_user("member", username="zawadi"))
        pairing = make_pairing(mentor=mentor, member=member)
        day = services.today() + dt.timedelta(days=8)
        planned = to_utc(dt.datetime.combine(day, dt.time(20), NAIROBI))
        services.log_session(pairing, mentor, session_input(next_meeting_at=planned))
        return pairing, day


def test_mentor_logs_a_session_and_the_next_meeting_is_kept(live_server, phone, browser, shot,
                                                            axe, outside_requests):
    pairing, day = _setup(live_server)
    sign_in(phone, live_server.url, "akinyi", PASSWORD)
    phone.goto(f"{live_server.url}/mentoring/pairings/{pairing.id}")
    expect(phone.locator("dl")).to_contain_text("20:00")
    axe(phone)

    phone.get_by_role("button", name="Log a session").or_(
        phone.get_by_role("link", name="Log a session")).first.click()
    next_meeting = phone.get_by_label("Next meeting")
    expect(next_meeting).to_have_value(f"{day.isoformat()}T20:00")   # shown, not empty
    phone.locator("fieldset.chips label", has_text="45 min").click()
    phone.locator("fieldset.chips label", has_text="In person").click()
    phone.locator("fieldset.chips label", has_text="Money").click()
    phone.get_by_label("Notes").fill("Planned the stall's first month.")
    axe(phone)
    shot(phone, "mentor-session-next-meeting-kept")
    phone.get_by_role("button", name="Save session").click()

    expect(phone.locator(".flash-success")).to_contain_text("Session saved")
    expect(phone.locator("dl")).to_contain_text("20:00")            # still planned
    phone.wait_for_load_state("load")    # measured with its stylesheet (seen 630 px before it)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "mentor-pairing-after-log")

    # the member still sees it on their own page
    context, member_phone = _page(browser, PHONE, live_server, outside_requests)
    sign_in(member_phone, live_server.url, "zawadi", PASSWORD)
    expect(member_phone).to_have_url(re.compile(r"/me$"))
    expect(member_phone.locator("#my-mentoring")).to_contain_text("20:00")
    context.close()

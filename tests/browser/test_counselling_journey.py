"""The counselling journey of issue 5, in a real browser:
a counsellor sets availability; a coordinator books a member; the member,
on a 360 px phone, sees the appointment, joins a group session, books and
then cancels another appointment; the counsellor marks attendance and
writes a note; a second counsellor and a mentor cannot reach the note."""
import datetime as dt

from app.clock import today
from app.counselling import groups
from app.counselling.models import Booking, SessionNote
from tests.browser.conftest import sign_in
from tests.counselling_helpers import local, make_member, no_holidays
from tests.factories import PASSWORD, make_user, shift_time


def test_counselling_journey(live_server, desktop, phone, shot, browser):
    base = live_server.url
    day = today() + dt.timedelta(days=3)
    with live_server.db():
        no_holidays()
        counsellor = make_user("counsellor", username="chebet")
        make_user("coordinator", username="baraka")
        member_login = make_user("member", username="halima")
        member = make_member(user=member_login, preferred_name="Halima")
        trainer = make_user("trainer", username="fatuma")
        groups.create_sessions("Peer-support circle", local(day, 15), 90, "Hall", 8,
                               [trainer.id])
        make_user("counsellor", username="otherc")
        make_user("mentor", username="daudi")

    # 1. the counsellor sets availability
    sign_in(desktop, base, "chebet", PASSWORD)
    desktop.goto(f"{base}/counselling/availability")
    desktop.select_option("#weekday", str(day.weekday()))
    desktop.fill("#start_time", "09:00")
    desktop.fill("#end_time", "12:00")
    desktop.fill("#room", "Room 2")
    desktop.get_by_role("button", name="Add weekly time").click()
    assert desktop.locator("table").first.inner_text().count("09:00–12:00") == 1
    shot(desktop, "counselling-availability")

    # 2. the coordinator books the member
    coordinator = desktop.context.browser.new_context(viewport={"width": 1280, "height": 800})
    coordinator.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                      else route.abort())
    cpage = coordinator.new_page()
    sign_in(cpage, base, "baraka", PASSWORD)
    cpage.goto(f"{base}/counselling/slots?member={member.code}")
    shot(cpage, "counselling-slot-finder")
    cpage.locator(".slot-list a[role=button]").first.click()
    cpage.get_by_role("button", name="Book").click()
    assert member.code in cpage.locator("h1").inner_text()
    shot(cpage, "counselling-booking")
    with live_server.db():
        booked = Booking.get(Booking.member == member.id)

    # 3. the member on a phone
    sign_in(phone, base, "halima", PASSWORD)
    phone.goto(f"{base}/me/appointments")
    text = phone.locator("main").inner_text()
    assert "Appointment at the centre" in text and "ounsel" not in text
    phone.get_by_role("button", name="See group meetings").click()
    phone.get_by_role("button", name="Join").first.click()
    assert "You have a place" in phone.locator(".flash").inner_text()
    phone.goto(f"{base}/me/book")
    shot(phone, "counselling-member-book")
    phone.locator(".time-choices a").first.click()
    assert "with Chebet" in phone.locator(".confirm-line").inner_text()
    shot(phone, "counselling-member-confirm")
    phone.get_by_role("button", name="Confirm").click()
    assert "Your appointment is booked" in phone.locator(".flash").inner_text()
    assert phone.locator(".appointment").count() == 2
    phone.get_by_role("button", name="Cancel", exact=True).last.click()
    phone.get_by_label("I cannot come at that time").check()
    phone.get_by_role("button", name="Cancel the appointment").click()
    phone.wait_for_url(f"{base}/me/appointments")       # count() does not wait for the page
    assert phone.locator(".appointment").count() == 1
    phone.goto(f"{base}/me")
    assert "Appointment at the centre" in phone.locator("#my-schedule").inner_text()
    assert "Group meeting at the centre" in phone.locator("#my-schedule").inner_text()
    shot(phone, "counselling-member-home")
    with live_server.db():
        assert Booking.select().where((Booking.member == member.id)
                                      & (Booking.status == "cancelled_member")).count() == 1

    # 4. after the session: attendance and a note
    with live_server.db():
        shift_time(Booking, "starts_at", -dt.timedelta(days=4), Booking.id == booked.id)
        shift_time(Booking, "ends_at", -dt.timedelta(days=4), Booking.id == booked.id)
    desktop.goto(f"{base}/counselling/bookings/{booked.id}")
    desktop.get_by_role("button", name="Attended").click()
    desktop.get_by_role("button", name="Write the note").click()
    desktop.fill("#text", "We talked about sleep and the family visit.")
    desktop.select_option("#risk_level", "low")
    desktop.get_by_role("button", name="Save the note").click()
    assert "sleep" in desktop.locator(".notes").first.inner_text()
    shot(desktop, "counselling-note")
    with live_server.db():
        note = SessionNote.get()

    # 5. nobody else reaches it
    for username in ("otherc", "daudi"):
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, base, username, PASSWORD)
        for url in (f"/counselling/notes/{note.id}", f"/counselling/bookings/{booked.id}/note",
                    f"/counselling/supervision/notes/{note.id}",
                    f"/counselling/bookings/{booked.id}"):
            response = page.goto(base + url)
            assert response.status in (403, 404), (username, url)
            assert "sleep" not in page.content()
        context.close()
    coordinator.close()

"""Issue 5 gaps, in a real browser on a 360 px phone: a trainer moves an
upcoming group session (a wrong capacity first: told next to the field);
the member who joined sees a discreet notice on their home and hides it
with the keyboard; a counsellor releases a note to the member's own data
export and withdraws it again."""
import datetime as dt

from app.clock import today
from app.counselling import bookings, groups, notes
from app.counselling.models import Booking, GroupSession, SessionNote
from tests.browser.conftest import sign_in
from tests.counselling_helpers import counsellor_every_day, local, make_member, no_holidays
from tests.factories import PASSWORD, make_user, shift_time


def test_group_session_change_reaches_the_member(live_server, phone, shot, browser):
    base = live_server.url
    day = today() + dt.timedelta(days=4)
    with live_server.db():
        trainer = make_user("trainer", username="fatuma")
        member_login = make_user("member", username="halima")
        member = make_member(user=member_login, preferred_name="Halima")
        session = groups.create_sessions("Peer-support circle", local(day, 15), 90, "Hall", 2,
                                         [trainer.id])[0]
        groups.sign_up(session, member)
        groups.sign_up(session, make_member())

    sign_in(phone, base, "fatuma", PASSWORD)
    phone.goto(f"{base}/counselling/groups/{session.id}")
    phone.get_by_role("button", name="Change the session").click()
    assert phone.get_by_label("Places").input_value() == "2"
    phone.get_by_label("Places").fill("1")
    phone.get_by_role("button", name="Save the changes").click()
    error = phone.locator("#capacity-error")
    assert "cannot be fewer" in error.inner_text()
    assert phone.get_by_label("Places").get_attribute("aria-describedby") == "capacity-error"
    shot(phone, "counselling-group-edit-error")

    phone.get_by_label("Places").fill("4")
    phone.get_by_label("Starts at").fill("16:30")
    phone.get_by_label("Room").fill("Room 3")
    phone.get_by_label("Room").press("Enter")                   # keyboard submit
    phone.wait_for_url(f"{base}/counselling/groups/{session.id}")
    assert "Room 3" in phone.locator(".facts").inner_text()
    shot(phone, "counselling-group-after-edit")
    with live_server.db():
        saved = GroupSession.get_by_id(session.id)
        assert (saved.capacity, saved.room, saved.starts_at) == (4, "Room 3", local(day, 16, 30))

    member_context = browser.new_context(viewport={"width": 360, "height": 740})
    member_context.route("**/*", lambda route: route.continue_()
                         if route.request.url.startswith(base) else route.abort())
    mpage = member_context.new_page()
    sign_in(mpage, base, "halima", PASSWORD)
    mpage.goto(f"{base}/me")
    notice = mpage.locator("#my-notices")
    text = notice.inner_text()
    assert "has moved to" in text and "Room 3" in text
    assert "ounsel" not in mpage.locator("main").inner_text()
    assert "Peer-support" not in text
    shot(mpage, "counselling-member-notice")
    button = notice.get_by_role("button", name="Got it: hide this message")
    button.focus()
    with mpage.expect_navigation():          # back to /me: the same URL, so wait for the load
        mpage.keyboard.press("Enter")
    assert mpage.locator("#my-notices").count() == 0
    member_context.close()


def test_counsellor_releases_a_note_on_a_phone(live_server, phone, shot):
    base = live_server.url
    with live_server.db():
        no_holidays()
        counsellor = counsellor_every_day(username="chebet")
        member = make_member()
        booking = bookings.book(member, counsellor.id,
                                local(today() + dt.timedelta(days=2), 10))
        shift_time(Booking, "starts_at", -dt.timedelta(days=3), Booking.id == booking.id)
        bookings.mark(Booking.get_by_id(booking.id), "attended")
        note = notes.save(counsellor, Booking.get_by_id(booking.id),
                          "We agreed on three small steps.", risk_level="low")

    sign_in(phone, base, "chebet", PASSWORD)
    phone.goto(f"{base}/counselling/notes/{note.id}")
    assert "Not released" in phone.locator(".note-release").inner_text()
    shot(phone, "counselling-note-unreleased")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Release to the member's own data export").click()
    assert "Released" in phone.locator(".note-release .status-released").inner_text()
    shot(phone, "counselling-note-released")
    with live_server.db():
        assert SessionNote.get_by_id(note.id).released_by_id == counsellor.id
    with phone.expect_navigation():
        phone.get_by_role("button", name="Withdraw from the member's data export").click()
    assert phone.locator(".note-release .status-unreleased").count() == 1

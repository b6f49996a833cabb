"""Member codes typed by staff (issue #10 item 18): a counsellor cannot
widen their own member list by booking, a concern confirms a code without
telling its name to someone who may not see that member, and codes
cannot be tried one by one (throttled, audited)."""
import datetime as dt

from bs4 import BeautifulSoup

from app.audit import AuditEvent
from app.counselling import bookings, services as counselling
from app.counselling.models import Booking
from app.members.models import Member
from app.members.services import CODE_LOOKUP_LIMIT, visible_members
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, no_holidays
from tests.factories import app_db, make_member


def _text(response) -> str:
    return BeautifulSoup(response.data, "html.parser").get_text(" ")


def _start(day_offset=3, hour=10) -> str:
    """A start time as the booking form sends it (Nairobi wall clock)."""
    return dt.datetime.combine(days_ahead(day_offset), dt.time(hour)).isoformat(timespec="minutes")


def test_a_counsellor_cannot_book_a_member_they_do_not_counsel(app, client, login_as):
    me = login_as("counsellor")
    with app_db(app):
        no_holidays()
        counsellor_every_day(username="colleague")
        member = make_member(preferred_name="Wanjiru")
    with app_db(app):
        from app.auth.models import User
        mine = User.get(User.id == me.id)
        for weekday in range(7):
            counselling.add_template(mine, weekday, dt.time(9), dt.time(17))
    response = client.post("/counselling/bookings/new", data={
        "member_code": member.code, "counsellor_id": me.id, "starts_at": _start()})
    assert response.status_code == 422
    assert "only members you already counsel" in _text(response)
    assert "Wanjiru" not in _text(response)
    with app_db(app):
        assert Booking.select().count() == 0
    assert client.get(f"/members/{member.id}").status_code == 404


def test_a_cancelled_booking_opens_nothing(app):
    with app_db(app):
        no_holidays()
        person = counsellor_every_day(username="chebet")
        member = make_member()
        booking = bookings.book(member, person.id, local(days_ahead(3), 10))
        assert visible_members(person).where(Member.id == member.id).exists()
        bookings.cancel(booking, "Changed plans", person)
        assert not visible_members(person).where(Member.id == member.id).exists()


def test_a_concern_about_a_code_one_cannot_see_shows_no_name(app, client, login_as):
    with app_db(app):
        member = make_member(preferred_name="Wanjiru")
    login_as("mentor")
    response = client.post("/safeguarding/concerns/new", data={
        "member_code": member.code.lower(), "category": "other", "urgency": "routine",
        "what_happened": "Seen near the gate with a stranger."})
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert member.code in _text(page) and "Wanjiru" not in _text(page)
    mine = client.get("/safeguarding/mine")
    assert member.code in _text(mine) and "Wanjiru" not in _text(mine)


def test_the_lead_still_sees_the_name(app, client, login_as):
    with app_db(app):
        member = make_member(preferred_name="Wanjiru")
        from app.safeguarding import services as safeguarding
        concern = safeguarding.raise_concern(member, None, "other", "routine", "Worried.", "")
    login_as("safeguarding_lead")
    assert "Wanjiru" in _text(client.get(f"/safeguarding/concerns/{concern.id}"))


def test_typing_codes_one_by_one_is_throttled_and_audited(app, client, login_as):
    with app_db(app):
        codes = [make_member().code for _ in range(CODE_LOOKUP_LIMIT + 1)]
    me = login_as("mentor")
    for number, code in enumerate(codes):
        response = client.post("/safeguarding/concerns/new", data={
            "member_code": code, "category": "other", "urgency": "routine",
            "what_happened": "Testing."})
        if number < CODE_LOOKUP_LIMIT:
            assert response.status_code == 303, number
    assert response.status_code == 429
    assert "Too many member codes" in _text(response)
    with app_db(app):
        assert AuditEvent.select().where((AuditEvent.action == "member.code_lookup")
                                         & (AuditEvent.actor == me.id)).count() \
            == CODE_LOOKUP_LIMIT


def test_a_coordinator_books_any_member_without_being_throttled(app, client, login_as):
    with app_db(app):
        no_holidays()
        person = counsellor_every_day(username="chebet")
        member = make_member()
    me = login_as("coordinator")
    response = client.post("/counselling/bookings/new", data={
        "member_code": member.code, "counsellor_id": person.id, "starts_at": _start()})
    assert response.status_code == 303
    with app_db(app):
        assert AuditEvent.select().where((AuditEvent.action == "member.code_lookup")
                                         & (AuditEvent.actor == me.id)).count() == 0

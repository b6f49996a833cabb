"""Counselling pages through the test client: scoping, status codes,
database state, parsed HTML."""
import datetime as dt

from icalendar import Calendar

from app.audit import AuditEvent
from app.counselling import bookings, notes, services
from app.counselling.models import (
    AvailabilityTemplate, Booking, CalendarFeed, GroupSignup, SessionNote)
from app.db import db
from app.members.models import ConsentEvent
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, make_member, no_holidays
from tests.factories import make_user, shift_time
from tests.conftest import parse_html


def setup_booking(app, attended=False, member_user=None):
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        person = counsellor_every_day()
        member = make_member(user=member_user)
        booking = bookings.book(member, person.id, local(days_ahead(3), 10))
        if attended:
            shift_time(Booking, "starts_at", -dt.timedelta(days=4), Booking.id == booking.id)
            bookings.mark(Booking.get_by_id(booking.id), "attended")
        return person, member, booking


def test_counsellor_sets_availability_and_invalid_input_writes_nothing(app, client, login_as):
    me = login_as("counsellor")
    response = client.post(f"/counselling/availability/{me.id}/templates", data={
        "weekday": "1", "start_time": "09:00", "end_time": "12:00", "session_minutes": "50",
        "buffer_minutes": "10", "room": "Room 2"})
    assert response.status_code == 303
    bad = client.post(f"/counselling/availability/{me.id}/templates", data={
        "weekday": "1", "start_time": "nine", "end_time": "12:00", "session_minutes": "50",
        "buffer_minutes": "10"})
    assert bad.status_code == 422
    assert parse_html(bad).select_one("#start_time-error")
    with app.app_context(), db.connection_context():
        assert AvailabilityTemplate.select().count() == 1


def test_counsellor_cannot_edit_another_counsellors_availability(app, client, login_as):
    with app.app_context(), db.connection_context():
        other = make_user("counsellor")
    login_as("counsellor")
    response = client.post(f"/counselling/availability/{other.id}/templates", data={
        "weekday": "1", "start_time": "09:00", "end_time": "12:00", "session_minutes": "50",
        "buffer_minutes": "10"})
    assert response.status_code == 404


def test_coordinator_books_through_the_slot_finder(app, client, login_as):
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        person = counsellor_every_day()
        member = make_member()
    login_as("coordinator")
    page = parse_html(client.get(f"/counselling/slots?member={member.code}"))
    link = page.select_one(".slot-list a[role=button]")["href"]
    form = parse_html(client.get(link))
    data = {i["name"]: i.get("value", "") for i in form.select("form input[name]")}
    assert data["member_code"] == member.code
    response = client.post("/counselling/bookings/new", data=data)
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        booking = Booking.get()
        assert booking.member_id == member.id and booking.counsellor_id == person.id
    taken = client.post("/counselling/bookings/new", data=data)
    assert taken.status_code == 409
    assert "just taken" in parse_html(taken).select_one(".form-error").get_text()


def test_unknown_member_code_is_a_field_error(app, client, login_as):
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        person = counsellor_every_day()
    login_as("coordinator")
    response = client.post("/counselling/bookings/new", data={
        "member_code": "AZ-9999", "counsellor_id": person.id,
        "starts_at": local(days_ahead(3), 10).isoformat()})
    assert response.status_code == 422 and parse_html(response).select_one("#member_code-error")


def test_counsellor_sees_only_own_bookings(app, client, login_as):
    _person, _member, booking = setup_booking(app)
    login_as("counsellor")
    assert client.get(f"/counselling/bookings/{booking.id}").status_code == 404
    assert client.post(f"/counselling/bookings/{booking.id}/cancel",
                       data={"reason": "x"}).status_code == 404


def test_note_is_unreachable_for_others(app, client, login_as):
    person, _member, booking = setup_booking(app, attended=True)
    with app.app_context(), app.test_request_context(), db.connection_context():
        note = notes.save(person, Booking.get_by_id(booking.id), "Private words")
    for roles in (("counsellor",), ("mentor",), ("admin", "coordinator"), ("safeguarding_lead",),
                  ("member",)):
        other = app.test_client()
        login_as(*roles, client_=other)
        for url in (f"/counselling/bookings/{booking.id}/note", f"/counselling/notes/{note.id}",
                    f"/counselling/supervision/notes/{note.id}", "/counselling/supervision"):
            response = other.get(url)
            assert response.status_code in (403, 404), (roles, url)
            assert b"Private words" not in response.data
        booking_page = other.get(f"/counselling/bookings/{booking.id}")   # coordinators: 200
        assert b"Private words" not in booking_page.data
        assert not parse_html(booking_page).select(f"a[href*='/notes/{note.id}']")
    with app.app_context(), db.connection_context():
        assert not AuditEvent.select().where(AuditEvent.action == "counselling.note_read").exists()


def test_supervisor_reads_and_the_read_is_audited(app, client, login_as):
    person, _member, booking = setup_booking(app, attended=True)
    with app.app_context(), app.test_request_context(), db.connection_context():
        note = notes.save(person, Booking.get_by_id(booking.id), "Private words", risk_level="low")
    login_as("counsellor", "counselling_supervisor")
    listing = parse_html(client.get("/counselling/supervision"))
    assert listing.select_one(f"a[href='/counselling/supervision/notes/{note.id}']")
    assert "Private words" not in listing.get_text()
    page = parse_html(client.get(f"/counselling/supervision/notes/{note.id}"))
    assert "Private words" in page.select_one(".notes").get_text()
    with app.app_context(), db.connection_context():
        assert AuditEvent.select().where(AuditEvent.action == "counselling.note_read").count() == 1


def test_counsellor_writes_note_and_high_risk_prompts_a_concern(app, client):
    person, _member, booking = setup_booking(app, attended=True)
    client.post("/login", data={"username": person.username,
                                "password": "a long enough test passphrase"})
    response = client.post(f"/counselling/bookings/{booking.id}/note", data={
        "text": "Spoke about threats.", "risk_level": "high", "concerns": "", "follow_up": ""})
    assert response.status_code == 303
    page = parse_html(client.get(response.headers["Location"]))
    link = page.select_one(".concern-prompt a[role=button]")["href"]
    assert link.startswith("/safeguarding/concerns/new?") and "category=self_harm" in link
    form = parse_html(client.get(link))                 # the counsellor may open the pre-filled form
    assert form.select_one("input[name=category][checked]")["value"] == "self_harm"
    empty = client.post(f"/counselling/bookings/{booking.id}/note", data={"text": ""})
    assert empty.status_code == 422
    with app.app_context(), db.connection_context():
        assert SessionNote.get().text == "Spoke about threats."


def test_tomorrow_list_shows_phone_only_with_contact_consent(app, client, login_as):
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        person = counsellor_every_day(dt.time(0), dt.time(23, 59))
        agreed = make_member(preferred_name="Agreed", phone="0712000001")
        refused = make_member(preferred_name="Refused", phone="0712000002")
        ConsentEvent.create(member=agreed, purpose="contact", given=True,
                            recorded_on=dt.date.today())
        tomorrow = days_ahead(1)
        bookings.book(agreed, person.id, local(tomorrow, 10))
        bookings.book(refused, person.id, local(tomorrow, 12))
    login_as("coordinator")
    page = parse_html(client.get("/counselling/tomorrow"))
    rows = [r.get_text(" ", strip=True) for r in page.select("tbody tr")]
    assert "0712000001" in rows[0] and "Agreed" in rows[0]
    assert "0712000002" not in page.get_text() and "Refused" in rows[1]


def test_tomorrow_list_is_for_coordinators_only(client, login_as):
    login_as("counsellor")
    assert client.get("/counselling/tomorrow").status_code == 403


def test_member_self_books_cancels_and_is_stopped_inside_the_cutoff(app, client, login_as):
    user = login_as("member")
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        person = counsellor_every_day()
        member = make_member(user=user)
    page = parse_html(client.get("/me/book"))
    choice = page.select_one(".time-choices a")["href"]
    confirm = parse_html(client.get(choice))           # one question: day, time, counsellor, room
    assert f"with {person.display_name}" in confirm.select_one(".confirm-line").get_text()
    assert "Room 1" in confirm.select_one(".confirm-line").get_text()
    form = confirm.select_one("main form")
    data = {i["name"]: i["value"] for i in form.select("input[name]")}
    assert client.post("/me/book", data=data).status_code == 303
    with app.app_context(), db.connection_context():
        booking = Booking.get()
        assert booking.booked_by_member and booking.member_id == member.id
    # the first free slot is within 24 h: cancelling is refused
    refused = client.post(f"/me/appointments/{booking.id}/cancel",
                          data={"reason": "cannot_come"})
    assert refused.status_code == 409
    assert "contact the centre" in parse_html(refused).select_one(".form-error").get_text()
    with app.app_context(), db.connection_context():
        shift_time(Booking, "starts_at", dt.timedelta(days=3))
        shift_time(Booking, "ends_at", dt.timedelta(days=3))
    ok = client.post(f"/me/appointments/{booking.id}/cancel",
                     data={"reason": "cannot_come"})
    assert ok.status_code == 303
    with app.app_context(), db.connection_context():
        assert Booking.get().status == "cancelled_member"


def test_member_cannot_touch_someone_elses_booking(app, client, login_as):
    _person, _member, booking = setup_booking(app)
    user = login_as("member")
    with app.app_context(), db.connection_context():
        make_member(user=user)
    assert client.get(f"/me/appointments/{booking.id}/cancel").status_code == 404
    assert client.get(f"/counselling/bookings/{booking.id}").status_code == 403


def test_member_home_page_is_discreet(app, client, login_as):
    user = login_as("member")
    person, _member, _booking = setup_booking(app, member_user=user)
    page = parse_html(client.get("/me/appointments"))
    assert "Appointment at the centre" in page.get_text()
    text = page.select_one("main").get_text()
    assert f"with {person.display_name}" in text          # the card names the counsellor
    assert "ounsel" not in text.replace(person.display_name, "")


def test_member_joins_a_full_group_and_sees_the_promotion(app, client, login_as):
    from app.counselling import groups
    user = login_as("member")
    with app.app_context(), app.test_request_context(), db.connection_context():
        me = make_member(user=user)
        first = make_member()
        facilitator = make_user("trainer")
        session = groups.create_sessions("Circle", local(days_ahead(4), 15), 90, "Hall", 1,
                                         [facilitator.id])[0]
        groups.sign_up(session, first)
    assert client.post(f"/me/groups/{session.id}/join").status_code == 303
    with app.app_context(), app.test_request_context(), db.connection_context():
        assert GroupSignup.get(GroupSignup.member == me).status == "waitlisted"
        groups.cancel_signup(GroupSignup.get(GroupSignup.member == first))
    page = parse_html(client.get("/me/appointments"))
    assert "a place became free" in page.get_text()
    assert page.select_one(".banner-info")


def test_calendar_feed_url_works_until_revoked(app, client, login_as):
    person, member, booking = setup_booking(app)
    client.post("/login", data={"username": person.username,
                                "password": "a long enough test passphrase"})
    page = parse_html(client.post("/me/calendar/new"))
    url = page.select_one("#feed-url")["value"]
    assert url.startswith("http://kituo.local/calendar/")   # KITUO_HOSTNAME's default
    path = url.removeprefix("http://kituo.local")
    # one tap to subscribe (webcal:) and a copy button, not only a raw address
    assert page.select_one("a[href^='webcal:']")["href"] == "webcal:" + url.split(":", 1)[1]
    assert page.select_one("button[data-copy=feed-url]")
    feed = app.test_client().get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = list(Calendar.from_ical(feed.data).walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == [f"Session: {member.code}"]
    assert client.post("/me/calendar/revoke").status_code == 303
    assert app.test_client().get(path).status_code == 404
    with app.app_context(), db.connection_context():
        assert CalendarFeed.select().count() == 0


def test_dashboard_panels(app, client, login_as):
    setup_booking(app)
    login_as("coordinator")
    page = parse_html(client.get("/"))
    assert page.select_one("#panel-counselling_sessions")
    assert page.select_one("#panel-counselling_capacity")
    assert page.select_one("#panel-counselling_waitlists")


def test_staff_pages_render(app, client, login_as):
    person, _member, booking = setup_booking(app)
    login_as("coordinator")
    for url in ("/counselling/slots", f"/counselling/counsellors/{person.id}/week",
                "/counselling/agenda?view=week", f"/counselling/agenda?counsellor={person.id}",
                "/counselling/availability", "/counselling/settings", "/counselling/groups",
                "/counselling/groups/new", f"/counselling/bookings/{booking.id}",
                f"/counselling/bookings/{booking.id}/move", "/me/calendar"):
        assert client.get(url).status_code == 200, url


def test_settings_change_and_validation(app, client, login_as):
    login_as("coordinator")
    response = client.post("/counselling/settings", data={
        "notice_minutes": "60", "window_days": "30", "member_cutoff_hours": "12"})
    assert response.status_code == 303
    bad = client.post("/counselling/settings", data={
        "notice_minutes": "-1", "window_days": "30", "member_cutoff_hours": "12"})
    assert bad.status_code == 422
    with app.app_context(), db.connection_context():
        row = services.ensure_defaults()
        assert (row.notice_minutes, row.window_days, row.member_cutoff_hours,
                row.self_booking) == (60, 30, 12, False)


def test_member_booking_a_time_just_taken_gets_409_and_the_next_times(app, client, login_as):
    user = login_as("member")
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        person = counsellor_every_day()
        make_member(user=user)
    choice = parse_html(client.get("/me/book")).select_one(".time-choices a")["href"]
    confirm = parse_html(client.get(choice)).select_one("main form")
    data = {i["name"]: i["value"] for i in confirm.select("input[name]")}
    with app.app_context(), app.test_request_context(), db.connection_context():
        bookings.book(make_member(), person.id, dt.datetime.fromisoformat(data["starts_at"]))
    taken = client.post("/me/book", data=data)
    assert taken.status_code == 409
    page = parse_html(taken)
    assert "just taken" in page.select_one(".form-error").get_text()
    offered = [a["href"] for a in page.select(".time-choices a")]
    assert offered and not [o for o in offered if data["starts_at"] in o]


def test_a_slot_form_with_a_bad_time_or_counsellor_says_so_and_writes_nothing(app, client, login_as):
    user = login_as("member")
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        person = counsellor_every_day()
        make_member(user=user)
    bad_time = client.post("/me/book",
                           data={"counsellor_id": person.id, "starts_at": "tomorrow at ten"})
    assert bad_time.status_code == 422
    assert "Choose a time." in parse_html(bad_time).select_one(".form-error").get_text()
    start = local(days_ahead(3), 10).isoformat()
    for counsellor in ("9" * 30, "-1", "abc"):
        bad = client.post("/me/book", data={"counsellor_id": counsellor,
                                                        "starts_at": start})
        assert bad.status_code == 422, counsellor
        assert "Choose from the list." in parse_html(bad).select_one(".form-error").get_text()
    with app.app_context(), db.connection_context():
        assert not Booking.select().exists()


def test_the_register_takes_only_people_with_a_place(app, client, login_as):
    from app.counselling import groups
    facilitator = login_as("trainer")
    with app.app_context(), app.test_request_context(), db.connection_context():
        session = groups.create_sessions("Circle", local(days_ahead(1), 10), 60, "Hall", 1,
                                         [facilitator.id])[0]
        seated = groups.sign_up(session, make_member())
        waiting = groups.sign_up(session, make_member())
        shift_time(groups.GroupSession, "starts_at", -dt.timedelta(days=2))
    page = parse_html(client.get(f"/counselling/groups/{session.id}"))
    assert [box["value"] for box in page.select("input[name=present]")] == [str(seated.id)]
    refused = client.post(f"/counselling/groups/{session.id}/register",
                          data={"present": [str(waiting.id)]}, follow_redirects=True)
    assert "Who came: choose from the list." in refused.get_data(as_text=True)
    with app.app_context(), db.connection_context():
        assert GroupSignup.get_by_id(seated.id).attended is None
    assert client.post(f"/counselling/groups/{session.id}/register",
                       data={"present": [str(seated.id)]}).status_code == 303
    with app.app_context(), db.connection_context():
        assert GroupSignup.get_by_id(seated.id).attended is True
        assert GroupSignup.get_by_id(waiting.id).attended is None
def test_new_booking_without_a_time_sends_to_the_free_times(app, client, login_as):
    """GET /counselling/bookings/new with nothing chosen was a 404 (#12 item 6)."""
    login_as("coordinator")
    bare = client.get("/counselling/bookings/new")
    assert bare.status_code == 303 and bare.headers["Location"].endswith("/counselling/slots")
    with_member = client.get("/counselling/bookings/new?member=AZ-0001&counsellor_id=x")
    assert with_member.status_code == 303
    assert with_member.headers["Location"].endswith("/counselling/slots?member=AZ-0001")
    assert client.get(bare.headers["Location"]).status_code == 200



def test_member_booking_shows_days_and_one_entry_per_time_with_anyone(app, client, login_as):
    """Five counsellors free at 09:00 are one 09:00 for "Anyone free"; later
    days can be chosen; a time no longer free sends back to choose."""
    from app.counselling import member_booking
    user = login_as("member")
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        people = [counsellor_every_day() for _ in range(5)]
        make_member(user=user)
        days = member_booking.free_days(None)
    page = parse_html(client.get("/me/book"))
    times = [a.get_text(strip=True) for a in page.select(".time-choices a")]
    assert times and len(times) == len(set(times))
    picker = [a["href"] for a in page.select(".day-picker a")]
    assert len(picker) == len(days) > 7
    later = parse_html(client.get(picker[6]))
    assert later.select_one(".day-picker a[aria-current=date]")["href"] == picker[6]
    assert later.select(".time-choices a")
    gone = client.get("/me/book/confirm?person=%d&at=2020-01-01T07:00:00"
                      % people[0].id)
    assert gone.status_code == 303 and gone.headers["Location"].endswith("/me/book")

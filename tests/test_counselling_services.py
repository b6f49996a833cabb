"""Counselling rules without HTTP: holidays, availability, slots from the
database, booking, moving, cancelling, statuses, groups, notes, feeds."""
import datetime as dt

import peewee as pw
import pytest
from icalendar import Calendar

from app.audit import AuditEvent
from app.counselling import bookings, feeds, groups, holidays, notes, services
from app.counselling.models import Booking, BookingEvent, GroupSignup, SessionNote
from app.clock import to_local
from app.db import utcnow
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, make_member, no_holidays
from tests.factories import make_user, shift_time


def test_kenyan_fixed_holidays_are_seeded_and_sunday_ones_move_to_monday(conn):
    found = holidays.holidays_between(dt.date(2028, 1, 1), dt.date(2028, 12, 31))
    assert dt.date(2028, 6, 1) in found and dt.date(2028, 10, 20) in found
    assert dt.date(2028, 12, 12) in found and dt.date(2028, 12, 26) in found
    # Madaraka Day 2025 fell on a Sunday: Monday 2 June was observed
    assert dt.date(2025, 6, 2) in holidays.holidays_between(dt.date(2025, 6, 1), dt.date(2025, 6, 3))


def test_one_off_holiday_applies_in_its_year_only(conn):
    holidays.add_holiday("Good Friday", dt.date(2027, 3, 26), every_year=False)
    assert dt.date(2027, 3, 26) in holidays.holidays_between(dt.date(2027, 3, 1), dt.date(2027, 4, 1))
    assert dt.date(2028, 3, 26) not in holidays.holidays_between(dt.date(2028, 3, 1), dt.date(2028, 4, 1))


def test_holidays_between_is_the_one_public_calendar(conn):
    """What other modules call (loans move due dates off holidays, education
    skips them): the coordinator's list, a day switched off is a working
    day again, and an empty range has none."""
    day = dt.date(2027, 4, 2)
    good_friday = holidays.add_holiday("Good Friday", day, every_year=False)
    assert holidays.holidays_between(day, day) == {day}
    holidays.set_holiday_active(good_friday, False)
    assert holidays.holidays_between(day, day) == set()
    assert holidays.holidays_between(dt.date(2027, 12, 31), dt.date(2027, 1, 1)) == set()
    # Christmas 2027 is a Saturday and Boxing Day a Sunday: Monday 27th is observed
    assert holidays.holidays_between(dt.date(2027, 12, 24), dt.date(2027, 12, 28)) == {
        dt.date(2027, 12, 25), dt.date(2027, 12, 26), dt.date(2027, 12, 27)}


def test_no_slot_on_a_holiday(conn):
    person = counsellor_every_day()
    day = days_ahead(3)
    holidays.add_holiday("Centre day", day, every_year=False)
    slots = services.free_slots([person.id])
    assert slots and day not in {to_local(s.start).date() for s in slots}


def test_template_rejects_a_range_shorter_than_a_session(conn):
    person = make_user("counsellor")
    with pytest.raises(services.CounsellingError) as error:
        services.add_template(person, 0, dt.time(9), dt.time(9, 30), session_minutes=50)
    assert error.value.field == "end_time"


def test_notice_and_window_limit_member_slots(conn):
    no_holidays()
    person = counsellor_every_day(dt.time(0), dt.time(23, 59))
    now = utcnow()
    member_slots = services.free_slots([person.id], by_member=True)
    assert min(s.start for s in member_slots) >= now + dt.timedelta(hours=2)
    assert max(s.start for s in member_slots) <= now + dt.timedelta(weeks=6, minutes=1)
    staff_slots = services.free_slots([person.id])
    assert min(s.start for s in staff_slots) < now + dt.timedelta(hours=2)


def test_leave_removes_slots(conn):
    no_holidays()
    person = counsellor_every_day()
    day = days_ahead(2)
    services.add_exception(person, day, day, "leave")
    assert day not in {to_local(s.start).date() for s in services.free_slots([person.id])}
    assert days_ahead(3) in {to_local(s.start).date() for s in services.free_slots([person.id])}


def test_booking_takes_the_slot_and_its_buffer(conn):
    no_holidays()
    person = counsellor_every_day()
    member = make_member()
    start = local(days_ahead(2), 10)
    booking = bookings.book(member, person.id, start)
    assert booking.status == "booked" and booking.ends_at == start + dt.timedelta(minutes=50)
    free = {s.start for s in services.free_slots([person.id])}
    assert start not in free
    assert local(days_ahead(2), 11) in free and local(days_ahead(2), 9) in free
    assert [e.action for e in bookings.history(booking)] == ["booked"]


def test_a_taken_slot_offers_the_next_free_times(conn):
    no_holidays()
    person = counsellor_every_day()
    start = local(days_ahead(2), 10)
    bookings.book(make_member(), person.id, start)
    with pytest.raises(bookings.SlotTaken) as taken:
        bookings.book(make_member(), person.id, start)
    assert taken.value.alternatives and all(s.start != start for s in taken.value.alternatives)


def test_the_database_refuses_a_second_active_booking_for_one_slot(conn):
    """The unique slot_key holds even when the Python check is bypassed."""
    no_holidays()
    person = counsellor_every_day()
    first = bookings.book(make_member(), person.id, local(days_ahead(2), 10))
    with pytest.raises(pw.IntegrityError):
        Booking.create(member=make_member(), counsellor=person, starts_at=first.starts_at,
                       ends_at=first.ends_at, slot_key=first.slot_key)


def test_cancelled_booking_frees_the_slot(conn):
    no_holidays()
    person = counsellor_every_day()
    start = local(days_ahead(2), 10)
    booking = bookings.book(make_member(), person.id, start)
    bookings.cancel(booking, "Counsellor unwell")
    booking = Booking.get_by_id(booking.id)
    assert booking.status == "cancelled_centre" and booking.slot_key is None
    again = bookings.book(make_member(), person.id, start)
    assert again.id != booking.id


def test_member_cannot_hold_two_overlapping_bookings(conn):
    no_holidays()
    one, two = counsellor_every_day(), counsellor_every_day(dt.time(9, 30), dt.time(17))
    member = make_member()
    bookings.book(member, one.id, local(days_ahead(2), 10))
    with pytest.raises(services.CounsellingError) as error:
        bookings.book(member, two.id, local(days_ahead(2), 10, 30))
    assert "already" in str(error.value.message)


def test_reschedule_keeps_history(conn):
    no_holidays()
    person = counsellor_every_day()
    booking = bookings.book(make_member(), person.id, local(days_ahead(2), 10))
    moved = bookings.reschedule(booking, person.id, local(days_ahead(3), 14))
    assert moved.starts_at == local(days_ahead(3), 14)
    events = list(bookings.history(moved))
    assert [e.action for e in events] == ["booked", "rescheduled"]
    assert events[1].old_starts_at == local(days_ahead(2), 10)
    assert local(days_ahead(2), 10) in {s.start for s in services.free_slots([person.id])}


def test_member_cutoff_blocks_late_changes(conn):
    no_holidays()
    person = counsellor_every_day(dt.time(0), dt.time(23, 59))
    member = make_member()
    soon = services.next_free_slots(person.id, by_member=True, limit=1)[0]
    booking = bookings.book(member, person.id, soon.start, by_member=True)
    assert bookings.within_member_cutoff(booking)
    with pytest.raises(services.CounsellingError) as error:
        bookings.cancel(booking, "other", by_member=True)
    assert "contact the centre" in str(error.value.message)
    bookings.cancel(booking, "Centre closed early")          # staff may
    assert Booking.get_by_id(booking.id).status == "cancelled_centre"


def test_member_may_cancel_outside_the_cutoff(conn):
    no_holidays()
    person = counsellor_every_day()
    booking = bookings.book(make_member(), person.id, local(days_ahead(3), 10), by_member=True)
    bookings.cancel(booking, "cannot_come", by_member=True)
    booking = Booking.get_by_id(booking.id)
    assert booking.status == "cancelled_member" and booking.cancel_reason == "cannot_come"


def test_self_booking_switched_off_refuses_members(conn):
    no_holidays()
    person = counsellor_every_day()
    row = services.settings()
    row.self_booking = False
    row.save()
    with pytest.raises(services.CounsellingError):
        bookings.book(make_member(), person.id, local(days_ahead(3), 10), by_member=True)


def test_members_cannot_move_an_appointment_while_online_booking_is_off(conn):
    no_holidays()
    person = counsellor_every_day()
    booking = bookings.book(make_member(), person.id, local(days_ahead(3), 10))
    row = services.settings()
    row.self_booking = False
    row.save()
    later = local(days_ahead(4), 10)
    with pytest.raises(services.CounsellingError):
        bookings.reschedule(booking, person.id, later, by_member=True)
    assert Booking.get_by_id(booking.id).starts_at == booking.starts_at
    assert bookings.reschedule(booking, person.id, later).starts_at == later   # staff still may


def test_statuses_attended_and_no_show_only_after_start(conn):
    no_holidays()
    person = counsellor_every_day()
    booking = bookings.book(make_member(), person.id, local(days_ahead(2), 10))
    with pytest.raises(services.CounsellingError):
        bookings.mark(booking, "attended")
    shift_time(Booking, "starts_at", -dt.timedelta(days=3), Booking.id == booking.id)
    bookings.mark(Booking.get_by_id(booking.id), "no_show")
    bookings.mark(Booking.get_by_id(booking.id), "attended")
    assert Booking.get_by_id(booking.id).status == "attended"
    assert [e.action for e in bookings.history(booking)][-2:] == ["no_show", "attended"]


def _attended(person, member=None):
    booking = bookings.book(member or make_member(), person.id, local(days_ahead(2), 10))
    shift_time(Booking, "starts_at", -dt.timedelta(days=3), Booking.id == booking.id)
    bookings.mark(Booking.get_by_id(booking.id), "attended")
    return Booking.get_by_id(booking.id)


def test_notes_are_read_only_by_author_and_supervisor_and_every_read_is_audited(conn):
    no_holidays()
    author = counsellor_every_day()
    other = make_user("counsellor")
    supervisor = make_user("counselling_supervisor")
    admin = make_user("admin", "coordinator", "safeguarding_lead")
    booking = _attended(author)
    note = notes.save(author, booking, "Talked about sleep.", risk_level="high",
                      follow_up="Check in next week")
    assert notes.may_read(author, note) and notes.may_read(supervisor, note)
    assert not notes.may_read(other, note) and not notes.may_read(admin, note)
    with pytest.raises(PermissionError):
        notes.read(admin, note)
    with pytest.raises(PermissionError):
        notes.save(other, booking, "overwrite")
    notes.read(supervisor, note)
    reads = AuditEvent.select().where(AuditEvent.action == "counselling.note_read")
    assert reads.count() == 1 and reads.first().object_id == str(note.id)
    assert not AuditEvent.select().where(AuditEvent.summary.contains("sleep")).exists()
    assert list(notes.readable_notes(other)) == []
    assert [n.id for n in notes.readable_notes(supervisor)] == [note.id]


def test_the_note_rule_keeps_the_lengths_the_form_shows(conn):
    no_holidays()
    author = counsellor_every_day()
    booking = _attended(author)
    for field, most in (("text", notes.TEXT_MAX), ("concerns", notes.CONCERNS_MAX),
                        ("follow_up", notes.FOLLOW_UP_MAX)):
        words = {"text": "Fine.", field: "x" * (most + 1)}
        with pytest.raises(services.CounsellingError) as error:
            notes.save(author, booking, **words)
        assert error.value.field == field
    assert not SessionNote.select().exists()


def test_notes_only_after_attended(conn):
    no_holidays()
    author = counsellor_every_day()
    booking = bookings.book(make_member(), author.id, local(days_ahead(2), 10))
    with pytest.raises(services.CounsellingError):
        notes.save(author, booking, "too early")


def test_group_waitlist_promotes_the_first_waiting(conn):
    facilitator = make_user("trainer")
    start = local(days_ahead(5), 15)
    session = groups.create_sessions("Circle", start, 90, "Hall", 2, [facilitator.id])[0]
    a, b, c, d = (make_member() for _ in range(4))
    assert groups.sign_up(session, a).status == "booked"
    assert groups.sign_up(session, b).status == "booked"
    assert groups.sign_up(session, c).status == "waitlisted"
    assert groups.sign_up(session, d).status == "waitlisted"
    from app.counselling.panels import waitlists_panel
    assert [(r.id, r.title, r.starts_at, r.waiting) for r in waitlists_panel(None)["rows"]] == [
        (session.id, "Circle", session.starts_at, 2)]             # the dashboard's panel
    seat_a = GroupSignup.get((GroupSignup.session == session) & (GroupSignup.member == a))
    promoted = groups.cancel_signup(seat_a)
    assert promoted.member_id == c.id and promoted.promoted_at is not None
    assert GroupSignup.get(GroupSignup.member == d).status == "waitlisted"
    with pytest.raises(services.CounsellingError):
        groups.sign_up(session, b)


def test_weekly_series_and_attendance_register(conn):
    facilitator = make_user("counsellor")
    start = local(days_ahead(1), 15)
    sessions = groups.create_sessions("Training", start, 60, "Hall", 10, [facilitator.id],
                                      weeks=4)
    assert len(sessions) == 4 and len({s.series for s in sessions}) == 1
    assert sessions[3].starts_at == start + dt.timedelta(weeks=3)
    member, absent = make_member(), make_member()
    here = groups.sign_up(sessions[0], member)
    groups.sign_up(sessions[0], absent)
    with pytest.raises(services.CounsellingError):
        groups.record_attendance(sessions[0], [here.id])
    shift_time(groups.GroupSession, "starts_at", -dt.timedelta(days=2),
               groups.GroupSession.id == sessions[0].id)
    groups.record_attendance(groups.GroupSession.get_by_id(sessions[0].id), [here.id])
    assert GroupSignup.get_by_id(here.id).attended is True
    assert GroupSignup.get(GroupSignup.member == absent).attended is False


def test_facilitating_a_group_blocks_the_counsellors_slots(conn):
    no_holidays()
    person = counsellor_every_day()
    groups.create_sessions("Circle", local(days_ahead(2), 10), 90, "Hall", 5, [person.id])
    free = {s.start for s in services.free_slots([person.id])}
    assert local(days_ahead(2), 10) not in free and local(days_ahead(2), 11) not in free
    assert local(days_ahead(2), 12) in free


def _parse(body):
    return [dict(summary=str(e["summary"]), start=e.decoded("dtstart"))
            for e in Calendar.from_ical(body).walk("VEVENT")]


def test_feeds_are_discreet_and_revocable(conn):
    no_holidays()
    person = counsellor_every_day()
    login = make_user("member")
    member = make_member(user=login)
    booking = bookings.book(member, person.id, local(days_ahead(2), 10))
    counsellor_events = _parse(feeds.build(person))
    assert counsellor_events == [{"summary": f"Session: {member.code}",
                                  "start": booking.starts_at.replace(tzinfo=dt.timezone.utc)}]
    member_events = _parse(feeds.build(login))
    assert [e["summary"] for e in member_events] == ["Appointment at the centre"]
    assert "Neema" not in feeds.build(person).decode()
    token = feeds.issue(login)
    assert feeds.user_for_token(token).id == login.id
    new = feeds.issue(login)
    assert feeds.user_for_token(token) is None and feeds.user_for_token(new).id == login.id
    feeds.revoke(login)
    assert feeds.user_for_token(new) is None


def test_schedule_provider_is_discreet(conn):
    from app.counselling import schedule
    no_holidays()
    person = counsellor_every_day()
    member = make_member()
    bookings.book(member, person.id, local(days_ahead(2), 10))
    items = schedule.appointments(member, utcnow(), utcnow() + dt.timedelta(days=30))
    assert [i.title for i in items] == ["Appointment at the centre"]
    assert all("ounsel" not in (i.title + i.detail + i.place) for i in items)


def test_a_new_database_has_the_booking_rules_and_holidays_from_init_db(tmp_path):
    """Created with the tables (migration 44, on_new_database), not by the
    first page that reads them."""
    from app import create_app
    from app.counselling.models import CounsellingSettings, Holiday
    from app.db import db
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32,
                      "DATABASE": str(tmp_path / "new.db"), "INSTANCE_PATH": str(tmp_path),
                      "JOBS_DIR": str(tmp_path / "jobs")})
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    with app.app_context(), db.connection_context():
        assert CounsellingSettings.select().count() == 1
        assert Holiday.select().count() == len(services.KENYA_FIXED_HOLIDAYS)


def test_a_members_feed_holds_everything_their_schedule_on_me_shows(app, conn):
    """Mentoring, buddy and induction meetings too, not only appointments
    (#12 discretion): titles and places only, never names or details."""
    from app.members import services as members
    from app.members.models import Member
    from app.mentorship import services as mentoring
    from app.registry import registry
    from tests.mentorship_factories import make_mentor, session_input
    no_holidays()
    person = counsellor_every_day()
    login = make_user("member")
    member = make_member(user=login)
    buddy = make_member(status="active", preferred_name="Neema")
    members.assign_buddy(member, buddy.code)
    member = Member.get_by_id(member.id)
    soon = utcnow().replace(microsecond=0) + dt.timedelta(days=2)
    members.schedule_meeting(member, soon, True)
    members.schedule_meeting(member, soon + dt.timedelta(days=1), False)
    mentor = make_mentor(username="mentorx")
    pairing = mentoring.propose(member, mentor)
    mentoring.activate(pairing, start_date=mentoring.today())
    from app.mentorship.models import Pairing
    mentoring.log_session(Pairing.get_by_id(pairing.id), mentor, session_input(
        next_meeting_at=soon + dt.timedelta(days=3)))
    bookings.book(member, person.id, local(days_ahead(5), 10))
    shown = registry().schedule_for(member, utcnow(), utcnow() + dt.timedelta(days=60))
    feed = feeds.build(login).decode()
    events = _parse(feed.encode())
    assert sorted(e["summary"] for e in events) == sorted(str(i.title) for i in shown)
    assert len(events) == 4
    assert "Neema" not in feed and mentor.display_name not in feed


def test_each_group_meeting_in_a_members_feed_is_its_own_event_with_its_end(app, conn):
    """The schedule provider read the signup's id and the session's end
    without selecting them: every group meeting was "seat-None" (calendar
    apps keep one event per UID, so the second meeting vanished) and ended
    an hour after it began."""
    from app.counselling.schedule import group_sessions
    no_holidays()
    facilitator = make_user("counsellor")
    login = make_user("member")
    member = make_member(user=login)
    start = local(days_ahead(3), 14)
    first = groups.create_sessions("Circle", start, 90, "Hall", 5, [facilitator.id])[0]
    second = groups.create_sessions("Circle", start + dt.timedelta(days=7), 90, "Hall", 5,
                                    [facilitator.id])[0]
    seats = [groups.sign_up(first, member), groups.sign_up(second, member)]
    items = group_sessions(member, utcnow(), utcnow() + dt.timedelta(days=60))
    assert [i.uid for i in items] == [f"seat-{s.id}" for s in seats]
    assert [i.ends_at - i.starts_at for i in items] == [dt.timedelta(minutes=90)] * 2
    events = Calendar.from_ical(feeds.build(login)).walk("VEVENT")
    seat_events = [e for e in events if str(e["uid"]).startswith("seat-")]
    assert sorted(str(e["uid"]) for e in seat_events) == sorted(
        f"seat-{s.id}@kituo" for s in seats)
    assert all(e.decoded("dtend") - e.decoded("dtstart") == dt.timedelta(minutes=90)
               for e in seat_events)

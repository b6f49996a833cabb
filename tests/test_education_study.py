"""The study space: opening hours and slots, bookings within capacity,
check-in at the door, weekly usage."""
import datetime as dt

import pytest

from app.db import utcnow
from app.education import study
from app.education.support_models import StudyBooking, StudySeat
from app.education.timetable import to_utc
from app.rules import RuleError, today
from tests.education_factories import make_member
from tests.factories import make_user

ALL_DAY = {d: (dt.time(0, 0), dt.time(23, 59)) for d in range(7)}


def make_room(capacity=3, hours=None, slot_minutes=120, kind="seats"):
    return study.save_resource(None, "Study room", "Chumba cha kusomea", kind, capacity,
                               slot_minutes, hours if hours is not None else
                               {d: (dt.time(8), dt.time(17)) for d in range(7)})


def no_holidays():
    from app.counselling.models import Holiday
    from app.counselling.services import ensure_defaults
    ensure_defaults()
    Holiday.update(active=False).execute()


def test_slots_follow_the_opening_hours(conn):
    no_holidays()
    room = make_room(hours={0: (dt.time(8), dt.time(13))}, slot_minutes=120)
    monday = today() + dt.timedelta(days=7 - today().weekday())
    slots = study.day_slots(room, monday)
    assert [(s.starts_at, s.ends_at) for s in slots] == [
        (to_utc(monday, dt.time(8)), to_utc(monday, dt.time(10))),
        (to_utc(monday, dt.time(10)), to_utc(monday, dt.time(12))),
        (to_utc(monday, dt.time(12)), to_utc(monday, dt.time(13)))]
    assert study.day_slots(room, monday + dt.timedelta(days=1)) == []


def test_closed_on_public_holidays(conn):
    room = make_room()
    assert study.slot_times(room, dt.date(2026, 12, 25)) == []


def test_bookings_stop_at_capacity_and_one_per_member(conn):
    no_holidays()
    room = make_room(capacity=2)
    tomorrow = today() + dt.timedelta(days=1)
    start = study.day_slots(room, tomorrow)[0].starts_at
    a, b, c = make_member(), make_member(), make_member()
    first = study.book(room, a, start)
    with pytest.raises(RuleError):
        study.book(room, a, start)
    second = study.book(room, b, start)
    assert {first.seat_id, second.seat_id} == {s.id for s in StudySeat.select()}
    with pytest.raises(RuleError) as refused:
        study.book(room, c, start)
    assert refused.value.field == "starts_at"
    study.cancel_booking(first)
    assert study.book(room, c, start).seat_id == first.seat_id


def test_bad_times_are_refused(conn):
    no_holidays()
    room = make_room()
    member = make_member()
    tomorrow = today() + dt.timedelta(days=1)
    for starts_at in (to_utc(tomorrow, dt.time(8, 30)),            # not a slot
                      to_utc(tomorrow, dt.time(20)),               # closed
                      to_utc(today() - dt.timedelta(days=1), dt.time(8)),   # past
                      to_utc(today() + dt.timedelta(days=30), dt.time(8))):  # too far
        with pytest.raises(RuleError):
            study.book(room, member, starts_at)
    with pytest.raises(RuleError):
        study.book(room, make_member(status="exited"), to_utc(tomorrow, dt.time(8)))
    assert StudyBooking.select().count() == 0


def test_walk_in_and_check_in_at_the_door(conn):
    no_holidays()
    room = make_room(hours=ALL_DAY, slot_minutes=60)
    staff = make_user("coordinator")
    booking = study.walk_in(room, make_member(), staff)
    assert booking.walk_in and booking.checked_in_at is not None
    later = study.book(room, make_member(), study.day_slots(room, today() + dt.timedelta(days=1))[0].starts_at)
    with pytest.raises(RuleError):
        study.check_in(later, staff)                   # not today
    assert [b.id for b in study.door_list(room)] == [booking.id]


def test_fewer_places_move_bookings_to_free_seats_or_are_refused(conn):
    no_holidays()
    room = make_room(capacity=3)
    start = study.day_slots(room, today() + dt.timedelta(days=1))[0].starts_at
    bookings = [study.book(room, make_member(), start) for _ in range(3)]
    study.cancel_booking(bookings[0])                  # seat 1 is free, seats 2 and 3 taken
    room = study.save_resource(room, "Study room", "Chumba cha kusomea", "seats", 2, 120,
                               {d: (dt.time(8), dt.time(17)) for d in range(7)})
    seats = sorted(StudySeat.get_by_id(b.seat_id).number for b in StudyBooking.select()
                   .where(StudyBooking.cancelled_at.is_null()))
    assert seats == [1, 2]
    with pytest.raises(RuleError) as refused:
        study.save_resource(room, "Study room", "Chumba cha kusomea", "seats", 1, 120,
                            {d: (dt.time(8), dt.time(17)) for d in range(7)})
    assert refused.value.field == "capacity"


def test_weekly_usage_counts_bookings_and_check_ins(conn):
    no_holidays()
    room = make_room(capacity=2, hours=ALL_DAY, slot_minutes=480)
    booking = study.walk_in(room, make_member())
    usage = study.weekly_usage(room, weeks=2)
    assert len(usage) == 2 and usage[0].monday == today() - dt.timedelta(days=today().weekday())
    assert (usage[0].bookings, usage[0].checked_in) == (1, 1)
    assert usage[0].places == 7 * 3 * 2 and usage[1].bookings == 0
    assert booking.ends_at > utcnow()

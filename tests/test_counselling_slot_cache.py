"""The short-lived free-slot cache (services.free_slots): it gives exactly
what a fresh computation gives, and any write that can change free slots
invalidates it at once, in every worker (the SlotsVersion token)."""
import datetime as dt
import uuid

from app.counselling import bookings, groups, holidays, services
from app.counselling.models import Booking, SlotsVersion
from app.db import utcnow
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, make_member, no_holidays


def _token():
    return services._current_token()


def _fresh(ids, **kw):
    return services.free_slots(ids, fresh=True, **kw)


def test_cached_slots_equal_a_fresh_computation(conn):
    no_holidays()
    a = counsellor_every_day()
    b = counsellor_every_day(dt.time(8), dt.time(12), room="Room 2")
    member = make_member()
    bookings.book(member, a.id, services.free_slots([a.id])[3].start)
    now = utcnow()
    for ids in ([a.id], [b.id], [a.id, b.id], []):
        for start, end in ((None, None), (now + dt.timedelta(days=2), now + dt.timedelta(days=3)),
                           (now + dt.timedelta(days=5), now + dt.timedelta(days=5))):
            for by_member in (False, True):
                cached = services.free_slots(ids, start, end, by_member)
                assert cached == _fresh(ids, start=start, end=end, by_member=by_member)
    assert services._slot_cache is not None and services._slot_cache.token == _token()


def test_booking_in_another_worker_invalidates_the_cache(conn):
    """Another worker's write (simulated: a row written directly plus a new
    token, this process's cache left in place) is seen at once."""
    no_holidays()
    person = counsellor_every_day()
    first = services.free_slots([person.id])[0]
    assert services._slot_cache is not None
    Booking.create(member=make_member(), counsellor=person, starts_at=first.start,
                   ends_at=first.end, slot_key=bookings.slot_key(person.id, first.start))
    SlotsVersion.update(token=uuid.uuid4().hex).execute()
    assert first not in services.free_slots([person.id])
    assert services.free_slots([person.id]) == _fresh([person.id])


def test_every_change_to_free_slots_changes_the_token(conn):
    no_holidays()
    person = counsellor_every_day()
    member = make_member()
    seen = {_token()}

    def changed():
        token = _token()
        assert token not in seen
        seen.add(token)
        assert services.free_slots([person.id]) == _fresh([person.id])

    slot = services.free_slots([person.id])[0]
    booking = bookings.book(member, person.id, slot.start)
    changed()
    later = services.free_slots([person.id])[2]
    booking = bookings.reschedule(booking, person.id, later.start)
    changed()
    bookings.cancel(booking, "Member travelling")
    changed()
    template = services.add_template(person, 0, dt.time(18), dt.time(20))
    changed()
    services.remove_template(template)
    changed()
    away = services.add_exception(person, days_ahead(2), days_ahead(2), "leave")
    changed()
    services.remove_exception(away)
    changed()
    holiday = holidays.add_holiday("Centre day", days_ahead(4), every_year=False)
    changed()
    holidays.set_holiday_active(holiday, False)
    changed()
    session = groups.create_sessions("Circle", local(days_ahead(3), 10), 90, "Hall", 5,
                                     [person.id])[0]
    changed()
    groups.cancel_session(session)
    changed()


def test_a_taken_slot_is_never_offered_after_booking(conn):
    no_holidays()
    person = counsellor_every_day()
    slots = services.next_free_slots(person.id, limit=3)
    bookings.book(make_member(), person.id, slots[0].start)
    assert slots[0].start not in {s.start for s in services.next_free_slots(person.id, limit=3)}

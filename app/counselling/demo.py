"""Demo data: ten counsellors (the demo counsellor login "chebet" is one)
with weekday availability, two years of bookings (past ones marked), a
weekly peer-support circle and a training with sign-ups and a waiting
list, and a few appointments for the demo member login ("halima").
Bookings are bulk-inserted in chunks inside one transaction."""
from __future__ import annotations

import datetime as dt

from app.counselling import bookings, services
from app.counselling.services import CounsellingError
from app.counselling.holidays import holidays_between
from app.counselling.models import (
    ATTENDED, BOOKED, CANCELLED_CENTRE, CANCELLED_MEMBER, NO_SHOW, AvailabilityTemplate, Booking,
    GroupSession)
from app.clock import NAIROBI, to_local, to_utc
from app.counselling.slots import Window, window_slots
from app.db import db, utcnow
from app.members.models import Member

EXTRA_COUNSELLORS = [
    ("wairimu", "Wairimu Kamau"), ("ochieng", "Ochieng Odhiambo"), ("nyambura", "Nyambura Maina"),
    ("kiptoo", "Kiptoo Koech"), ("mutheu", "Mutheu Mutua"), ("wafula", "Wafula Barasa"),
    ("zawadi", "Zawadi Mohamed"), ("njoki", "Njoki Chege"), ("omondi", "Omondi Onyango"),
]
ROOMS = ["Room 1", "Room 2", "Room 3", "Quiet room", "Garden room"]
CHUNK = 500
YEARS_BACK = 2
WEEKS_AHEAD = 3


def holds_real_data() -> bool:
    return Booking.select().where(Booking.is_demo == False).exists()  # noqa: E712


def bench_agenda_path() -> str:
    return "/counselling/agenda?view=week"


def _counsellors(users, members: int) -> list:
    """The demo counsellor plus nine more for a realistic centre (a tiny
    demo of under 50 members keeps just the one). The second counsellor
    (or the only one) also supervises: reads every note."""
    from app.auth import services as auth
    from app.counselling import SUPERVISOR_ROLE
    people = [users["counsellor"]] if "counsellor" in users else []
    if members >= 50 or not people:
        for username, name in EXTRA_COUNSELLORS:
            people.append(auth.create_user(username, name, ["counsellor"], language="sw",
                                           is_demo=True))
    supervisor = people[1] if len(people) > 1 else people[0]
    auth.set_roles(supervisor, ["counsellor", SUPERVISOR_ROLE])
    return people


def _availability(people, rng) -> list[Window]:
    windows = []
    for i, person in enumerate(people):
        room = ROOMS[i % len(ROOMS)]
        days = [0, 1, 2, 3, 4] if i % 3 else [0, 1, 2, 3]
        for weekday in days:
            for start, end in ((dt.time(9), dt.time(13)), (dt.time(14), dt.time(17))):
                AvailabilityTemplate.create(counsellor=person, weekday=weekday, start_time=start,
                                            end_time=end, room=room)
                windows.append(Window(person.id, weekday, start, end, 50, 10, room))
    return windows


def _bookings(windows, member_ids, rng, now) -> int:
    first = to_local(now).date() - dt.timedelta(days=365 * YEARS_BACK)
    last = to_local(now).date() + dt.timedelta(weeks=WEEKS_AHEAD)
    holidays = holidays_between(first, last)
    rows, total, day = [], 0, first
    while day <= last:
        if day not in holidays:
            taken: dict[dt.datetime, set[int]] = {}
            for window in windows:
                if window.weekday != day.weekday():
                    continue
                for slot in window_slots(window, day):
                    if rng.random() > 0.6:
                        continue
                    used = taken.setdefault(slot.start, set())
                    member = rng.choice(member_ids)
                    while member in used:
                        member = rng.choice(member_ids)
                    used.add(member)
                    rows.append(_row(slot, member, rng, now))
        if len(rows) >= CHUNK:
            Booking.insert_many(rows).execute()
            total, rows = total + len(rows), []
        day += dt.timedelta(days=1)
    if rows:
        Booking.insert_many(rows).execute()
        total += len(rows)
    return total


def _row(slot, member_id, rng, now) -> dict:
    status = BOOKED
    if slot.start < now:
        pick = rng.random()
        status = ATTENDED if pick < 0.82 else NO_SHOW if pick < 0.92 else \
            CANCELLED_MEMBER if pick < 0.97 else CANCELLED_CENTRE
    holding = status in (BOOKED, ATTENDED, NO_SHOW)
    return {"member": member_id, "counsellor": slot.counsellor_id, "starts_at": slot.start,
            "ends_at": slot.end, "buffer_minutes": slot.buffer_minutes, "room": slot.room,
            "status": status, "is_demo": True, "created_at": slot.start - dt.timedelta(days=7),
            "status_changed_at": min(slot.end, now),
            "slot_key": bookings.slot_key(slot.counsellor_id, slot.start) if holding else None,
            "member_key": bookings.member_key(member_id, slot.start) if holding else None,
            "cancel_reason": "Demo" if not holding else ""}


def _groups(people, member_ids, users, rng, now) -> None:
    from app.counselling import groups
    facilitators = [people[0].id] + ([users["trainer"].id] if "trainer" in users else [])
    monday = services.week_start(to_local(now).date()) + dt.timedelta(days=7)
    circle = dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(15), NAIROBI)
    series = groups.create_sessions("Peer-support circle", to_utc(circle), 90, "Hall", 12,
                                    facilitators[:1], weeks=6)
    training = dt.datetime.combine(monday + dt.timedelta(days=4), dt.time(10), NAIROBI)
    series += groups.create_sessions("Managing stress: a training", to_utc(training), 120,
                                     "Hall", 20, facilitators, weeks=1)
    for session in series:
        session.is_demo = True
        session.save(only=[GroupSession.is_demo])
        for member_id in rng.sample(member_ids, min(len(member_ids), session.capacity + 3)):
            groups.sign_up(session, Member.get_by_id(member_id))


def seed_counselling(members=200, rng=None, users=None) -> None:
    users = users or {}
    services.ensure_defaults()
    member_ids = [m.id for m in Member.select(Member.id).where(
        (Member.is_demo == True) & (Member.status.in_(["active", "inducting"])))]  # noqa: E712
    now = utcnow().replace(second=0, microsecond=0)
    with db.atomic():
        people = _counsellors(users, members)
        windows = _availability(people, rng)
        if len(member_ids) >= 20:
            _bookings(windows, member_ids, rng, now)
            _groups(people, member_ids, users, rng, now)
        services.slots_changed()
        _demo_member(people, rng, now)


def _demo_member(people, rng, now) -> None:
    """The demo member login gets one upcoming appointment."""
    from app.auth.models import User
    member = None
    login = User.get_or_none(User.username == "halima")
    if login is not None:
        member = Member.get_or_none(Member.user == login.id)
    if member is None:
        return
    # The random bookings above may already hold the member at some of these
    # times (with another counsellor): take the first the rules allow.
    slots = services.next_free_slots(people[0].id, limit=12)
    for slot in slots[2:] + slots[:2]:
        try:
            booking = bookings.book(member, people[0].id, slot.start)
        except CounsellingError:
            continue
        Booking.update(is_demo=True).where(Booking.id == booking.id).execute()
        return

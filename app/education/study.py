"""The study space: the study room's seats and the computers, with opening
hours, booked by members in slots from their home page or checked in at
the door by staff in one tap. A booking holds a numbered seat and a seat
holds one booking per slot (a unique index): the database itself keeps the
bookings of a slot within the capacity, whatever the code does."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import peewee as pw
from peewee import fn

from app import audit
from app.clock import utcnow
from app.db import Prepared, db
from app.education.support_models import (
    RESOURCE_KINDS, StudyBooking, StudyHours, StudyResource, StudySeat)
from app.education.timetable import holidays_between, to_utc
from app.clock import to_local
from app.i18n import bilingual, lazy_gettext as _l
from app.members.models import Member
from app.rules import RuleError, today

BOOKING_DAYS = 14                 # how far ahead members may book
MAY_USE = ("active", "alumni")


@dataclass
class Slot:
    starts_at: dt.datetime        # naive UTC
    ends_at: dt.datetime
    taken: int
    capacity: int
    mine: bool = False

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


def resources(include_retired: bool = False):
    query = StudyResource.select().order_by(StudyResource.id)
    return query if include_retired else query.where(StudyResource.active == True)  # noqa: E712


def open_resource(resource_id: int | None) -> StudyResource | None:
    """A place members may book (None for anything else)."""
    if not resource_id:
        return None
    return StudyResource.get_or_none((StudyResource.id == resource_id)
                                     & (StudyResource.active == True))  # noqa: E712


def hours_of(resource_id: int) -> dict[int, StudyHours]:
    return {h.weekday: h for h in StudyHours.select().where(StudyHours.resource == resource_id)}


def _check_hours(hours: dict) -> None:
    for weekday, (opens, closes) in hours.items():
        if not 0 <= weekday <= 6:
            raise RuleError(_l("Choose from the list."), "hours")
        if opens is None or closes is None or closes <= opens:
            raise RuleError(_l("Each open day needs an opening time before its closing time."),
                            f"closes_{weekday}")


def save_resource(resource: StudyResource | None, name_en: str, name_sw: str, kind: str,
                  capacity: int, slot_minutes: int, hours: dict, active: bool = True,
                  actor=None) -> StudyResource:
    """`hours`: weekday -> (opens, closes) for the days it is open."""
    name_en, name_sw = (name_en or "").strip(), (name_sw or "").strip()
    if not name_en:
        raise RuleError(_l("Give the name in English."), "name_en")
    if not name_sw:
        raise RuleError(_l("Give the name in Kiswahili."), "name_sw")
    if kind not in RESOURCE_KINDS:
        raise RuleError(_l("Choose from the list."), "kind")
    if not 1 <= (capacity or 0) <= 100:
        raise RuleError(_l("Places are between 1 and %(most)d.", most=100), "capacity")
    if not 30 <= (slot_minutes or 0) <= 480:
        raise RuleError(_l("A slot lasts between 30 minutes and 8 hours."), "slot_minutes")
    _check_hours(hours)
    with db.atomic():
        if resource is None:
            resource = StudyResource.create(name_en=name_en[:80], name_sw=name_sw[:80], kind=kind,
                                            capacity=capacity, slot_minutes=slot_minutes)
        else:
            if capacity < resource.capacity:
                _fit_bookings(resource, capacity)
            resource.name_en, resource.name_sw, resource.kind = name_en[:80], name_sw[:80], kind
            resource.capacity, resource.slot_minutes, resource.active = capacity, slot_minutes, active
            resource.save()
        _sync_seats(resource)
        StudyHours.delete().where(StudyHours.resource == resource).execute()
        if hours:
            StudyHours.insert_many([{"resource": resource.id, "weekday": d, "opens": o, "closes": c}
                                    for d, (o, c) in sorted(hours.items())]).execute()
        audit.record("education.study_resource_saved", "education_study_resource", resource.id,
                     actor=actor)
    return resource


def _sync_seats(resource: StudyResource) -> None:
    existing = {s.number: s for s in StudySeat.select().where(StudySeat.resource == resource)}
    for number in range(1, resource.capacity + 1):
        if number not in existing:
            StudySeat.create(resource=resource, number=number)
    StudySeat.update(active=True).where((StudySeat.resource == resource)
                                        & (StudySeat.number <= resource.capacity)).execute()
    StudySeat.update(active=False).where((StudySeat.resource == resource)
                                         & (StudySeat.number > resource.capacity)).execute()


def _fit_bookings(resource: StudyResource, capacity: int) -> None:
    """Fewer places: bookings ahead on the seats that go move to free seats
    of the same slot; refused when a slot has more bookings than places."""
    now = utcnow()
    ahead = list(StudyBooking.select(StudyBooking, StudySeat).join(StudySeat)
                 .where((StudyBooking.resource == resource) & StudyBooking.cancelled_at.is_null()
                        & (StudyBooking.ends_at > now)).order_by(StudyBooking.starts_at))
    by_slot: dict[dt.datetime, list[StudyBooking]] = {}
    for booking in ahead:
        by_slot.setdefault(booking.starts_at, []).append(booking)
    seats = {s.number: s.id for s in StudySeat.select().where(StudySeat.resource == resource)}
    for starts_at, bookings in by_slot.items():
        if len(bookings) > capacity:
            from app.filters import local_datetime
            raise RuleError(_l("%(n)d people have booked %(when)s: places cannot be fewer.",
                               n=len(bookings), when=local_datetime(starts_at)), "capacity")
        used = {b.seat.number for b in bookings if b.seat.number <= capacity}
        free = [n for n in range(1, capacity + 1) if n not in used]
        for booking in bookings:
            if booking.seat.number > capacity:
                StudyBooking.update(seat=seats[free.pop(0)]).where(
                    StudyBooking.id == booking.id).execute()


# --- slots -----------------------------------------------------------------------------------

def slot_times(resource: StudyResource, day: dt.date, hours: dict | None = None,
               holidays: set | None = None) -> list[tuple[dt.datetime, dt.datetime]]:
    """The slots of a local day (naive UTC), from opening time in steps of
    slot_minutes; the last one ends at closing. None on a public holiday."""
    hours = hours_of(resource.id) if hours is None else hours
    if holidays is None:
        holidays = holidays_between(day, day)
    row = hours.get(day.weekday())
    if row is None or day in holidays:
        return []
    start, close = to_utc(day, row.opens), to_utc(day, row.closes)
    step = dt.timedelta(minutes=resource.slot_minutes)
    times = []
    while start < close:
        times.append((start, min(start + step, close)))
        start += step
    return times


def taken_counts(resource_id: int, first: dt.datetime, last: dt.datetime) -> dict:
    rows = (StudyBooking.select(StudyBooking.starts_at, fn.COUNT(StudyBooking.id))
            .where((StudyBooking.resource == resource_id) & StudyBooking.cancelled_at.is_null()
                   & (StudyBooking.starts_at >= first) & (StudyBooking.starts_at < last))
            .group_by(StudyBooking.starts_at).tuples())
    return dict(rows)


def day_slots(resource: StudyResource, day: dt.date, member: Member | None = None) -> list[Slot]:
    times = slot_times(resource, day)
    if not times:
        return []
    taken = taken_counts(resource.id, times[0][0], times[-1][1])
    mine = set()
    if member is not None:
        mine = {b.starts_at for b in StudyBooking.select(StudyBooking.starts_at).where(
            (StudyBooking.member == member) & (StudyBooking.resource == resource)
            & StudyBooking.cancelled_at.is_null() & (StudyBooking.starts_at >= times[0][0])
            & (StudyBooking.starts_at < times[-1][1]))}
    return [Slot(s, e, taken.get(s, 0), resource.capacity, s in mine) for s, e in times]


def _slot_at(resource: StudyResource, starts_at: dt.datetime):
    day = to_local(starts_at).date()
    for start, end in slot_times(resource, day):
        if start == starts_at:
            return start, end
    return None


def current_slot(resource: StudyResource, now: dt.datetime | None = None):
    now = now or utcnow()
    for start, end in slot_times(resource, to_local(now).date()):
        if start <= now < end:
            return start, end
    return None


# --- bookings --------------------------------------------------------------------------------

def free_seats(resource: StudyResource, starts_at: dt.datetime) -> list[int]:
    """Seat ids without a booking in this slot, lowest number first."""
    taken = StudyBooking.select(StudyBooking.seat).where(
        (StudyBooking.resource == resource) & (StudyBooking.starts_at == starts_at)
        & StudyBooking.cancelled_at.is_null())
    return [s.id for s in StudySeat.select(StudySeat.id)
            .where((StudySeat.resource == resource) & (StudySeat.active == True)  # noqa: E712
                   & (StudySeat.number <= resource.capacity) & StudySeat.id.not_in(taken))
            .order_by(StudySeat.number)]


def _check_member(member: Member) -> None:
    if member.anonymised_at or member.status not in MAY_USE:
        raise RuleError(_l("Only members of the centre can use the study space."), "member")


def book(resource: StudyResource, member: Member, starts_at: dt.datetime, actor=None,
         walk_in: bool = False) -> StudyBooking:
    """A seat in a slot. Members book from now to BOOKING_DAYS ahead; a
    walk-in at the door takes the slot under way and is checked in."""
    _check_member(member)
    slot = _slot_at(resource, starts_at) if resource.active else None
    now = utcnow()
    if slot is None:
        raise RuleError(_l("The study space is not open at this time."), "starts_at")
    if (slot[1] <= now) or (not walk_in and slot[0] <= now):
        raise RuleError(_l("This time has passed: choose a later one."), "starts_at")
    if to_local(slot[0]).date() > today() + dt.timedelta(days=BOOKING_DAYS):
        raise RuleError(_l("Book at most %(n)d days ahead.", n=BOOKING_DAYS), "starts_at")
    with db.atomic():
        if StudyBooking.select().where(
                (StudyBooking.member == member) & (StudyBooking.resource == resource)
                & (StudyBooking.starts_at == slot[0]) & StudyBooking.cancelled_at.is_null()).exists():
            raise RuleError(_l("Already booked at this time."), "starts_at")
        for seat_id in free_seats(resource, slot[0]):
            try:
                with db.atomic():
                    booking = StudyBooking.create(
                        resource=resource, seat=seat_id, member=member, starts_at=slot[0],
                        ends_at=slot[1], walk_in=walk_in, created_by=actor,
                        checked_in_at=now if walk_in else None)
            except pw.IntegrityError:
                continue          # taken meanwhile: the next seat
            audit.record("education.study_booked", "education_study_resource", resource.id,
                         "walk-in" if walk_in else "", actor=actor)
            return booking
    raise RuleError(_l("Every place is taken at this time. Choose another time."), "starts_at")


def cancel_booking(booking: StudyBooking, actor=None) -> None:
    if booking.cancelled_at or booking.checked_in_at or booking.starts_at <= utcnow():
        raise RuleError(_l("This booking can no longer be cancelled."))
    with db.atomic():
        booking.cancelled_at = utcnow()
        booking.save(only=[StudyBooking.cancelled_at])
        audit.record("education.study_cancelled", "education_study_resource", booking.resource_id,
                     actor=actor)


def check_in(booking: StudyBooking, actor=None) -> None:
    """One tap at the door, on the booking's day."""
    if booking.cancelled_at:
        raise RuleError(_l("This booking was cancelled."))
    if booking.checked_in_at:
        return
    if to_local(booking.starts_at).date() != today() or booking.ends_at <= utcnow():
        raise RuleError(_l("Check in on the day, before the slot ends."))
    with db.atomic():
        booking.checked_in_at = utcnow()
        booking.save(only=[StudyBooking.checked_in_at])
        audit.record("education.study_checked_in", "education_study_resource",
                     booking.resource_id, actor=actor)


def walk_in(resource: StudyResource, member: Member, actor=None) -> StudyBooking:
    """Someone at the door without a booking: the slot under way, checked in."""
    slot = current_slot(resource)
    if slot is None:
        raise RuleError(_l("The study space is not open at this time."), "member_code")
    try:
        return book(resource, member, slot[0], actor, walk_in=True)
    except RuleError as error:
        raise RuleError(error.message, "member_code") from None


def door_list(resource: StudyResource, day: dt.date | None = None):
    """The day's bookings at the door, by time."""
    times = slot_times(resource, day or today())
    if not times:
        return []
    return list(StudyBooking.select(StudyBooking, Member, StudySeat)
                .join(Member, on=(StudyBooking.member == Member.id))
                .switch(StudyBooking).join(StudySeat)
                .where((StudyBooking.resource == resource) & StudyBooking.cancelled_at.is_null()
                       & (StudyBooking.starts_at >= times[0][0])
                       & (StudyBooking.starts_at < times[-1][1]))
                .order_by(StudyBooking.starts_at, StudySeat.number))


def door_booking(resource: StudyResource, booking_id: int) -> StudyBooking | None:
    return StudyBooking.get_or_none((StudyBooking.id == booking_id)
                                    & (StudyBooking.resource == resource))


class MemberBooking(NamedTuple):
    """A booking as the member's own pages show it."""
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    walk_in: bool
    checked_in_at: dt.datetime | None
    name_en: str
    name_sw: str
    name = bilingual("name")     # the resource's


# On the member's home (/me, a key page) and /me/study: built once
# (app.db.Prepared; README, performance).
_member_bookings = Prepared(lambda param: (
    StudyBooking.select(StudyBooking.id, StudyBooking.starts_at, StudyBooking.ends_at,
                        StudyBooking.walk_in, StudyBooking.checked_in_at,
                        StudyResource.name_en, StudyResource.name_sw)
    .join(StudyResource, on=(StudyBooking.resource == StudyResource.id))
    .where((StudyBooking.member == param("member")) & StudyBooking.cancelled_at.is_null()
           & (StudyBooking.ends_at > param("now", StudyBooking.ends_at)))
    .order_by(StudyBooking.starts_at).limit(param("limit"))), row=MemberBooking)


def member_bookings(member: Member, limit: int = 20) -> list[MemberBooking]:
    """The member's bookings still ahead (or under way)."""
    return _member_bookings.all(member=member.id, now=utcnow(), limit=limit)


# Asked on the member's home (/me, a key page): built once (app.db.Prepared).
_any_active_resource = Prepared(lambda param: StudyResource.select(StudyResource.id).where(
    StudyResource.active == True).limit(1))  # noqa: E712


def is_set_up() -> bool:
    """Is there a study space to book?"""
    return _any_active_resource.first() is not None


def member_booking(member: Member, booking_id: int) -> StudyBooking | None:
    return StudyBooking.get_or_none((StudyBooking.id == booking_id)
                                    & (StudyBooking.member == member))


@dataclass
class WeekUsage:
    monday: dt.date
    bookings: int
    checked_in: int
    places: int          # seat-slots open that week

    @property
    def use_pct(self) -> int:
        return round(100 * self.checked_in / self.places) if self.places else 0


def weekly_usage(resource: StudyResource, weeks: int = 8) -> list[WeekUsage]:
    """The last `weeks` weeks (this one first): bookings, check-ins, and the
    share of the places open that were used."""
    monday = today() - dt.timedelta(days=today().weekday())
    first = monday - dt.timedelta(weeks=weeks - 1)
    hours = hours_of(resource.id)
    holidays = holidays_between(first, monday + dt.timedelta(days=6))
    start, end = to_utc(first, dt.time(0)), to_utc(monday + dt.timedelta(days=7), dt.time(0))
    rows = (StudyBooking.select(StudyBooking.starts_at, StudyBooking.checked_in_at)
            .where((StudyBooking.resource == resource) & StudyBooking.cancelled_at.is_null()
                   & (StudyBooking.starts_at >= start) & (StudyBooking.starts_at < end)).tuples())
    usage = {first + dt.timedelta(weeks=i): [0, 0] for i in range(weeks)}
    for starts_at, checked_in_at in rows:
        day = to_local(starts_at).date()
        week = day - dt.timedelta(days=day.weekday())
        if week in usage:
            usage[week][0] += 1
            usage[week][1] += 1 if checked_in_at else 0
    result = []
    for week, (booked, came) in usage.items():
        slots = sum(len(slot_times(resource, week + dt.timedelta(days=d), hours, holidays))
                    for d in range(7))
        result.append(WeekUsage(week, booked, came, slots * resource.capacity))
    return sorted(result, key=lambda w: w.monday, reverse=True)

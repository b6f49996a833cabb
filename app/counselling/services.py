"""Counselling rules, tested without HTTP: settings and holidays,
availability, free slots, one-to-one bookings.

Group sessions are in `groups.py`, confidential notes in `notes.py`,
calendar feeds in `feeds.py`, dashboard figures in `stats.py`.
"""
from __future__ import annotations

import bisect
import datetime as dt
import time
import uuid
from dataclasses import dataclass

import peewee as pw
from flask import g, has_app_context
from app.i18n import lazy_gettext as _l

from app.rules import RuleError
from app import audit
from app.access import user_can
from app.auth.models import User, UserRole
from app.counselling import slots as S
from app.counselling.labels import KENYA_FIXED_HOLIDAYS
from app.counselling.models import (
    ATTENDED, BOOKED, CANCELLED_CENTRE, CANCELLED_MEMBER, EXCEPTION_KINDS, HOLDING, NO_SHOW,
    AvailabilityException, AvailabilityTemplate, Booking, BookingEvent, CounsellingSettings,
    GroupFacilitator, GroupSession, Holiday, SlotsVersion)
from app.db import Prepared, db, utcnow
from app.members.models import Member

NAIROBI = S.NAIROBI


class CounsellingError(RuleError):
    """A rule of this module refused the action."""


class SlotTaken(CounsellingError):
    """Someone else took the time first (409); `alternatives` are the next
    free slots (also in `context`, for app.forms.submit)."""
    status = 409

    def __init__(self, alternatives=()):
        super().__init__(_l("This time was just taken. Here are the next free times."),
                         alternatives=list(alternatives))
        self.alternatives = self.context["alternatives"]


# --- settings and holidays --------------------------------------------------------

_SETTINGS_ROW = Prepared(lambda p: CounsellingSettings.select().order_by(CounsellingSettings.id)
                         .limit(1))


def ensure_defaults() -> CounsellingSettings:
    """The settings row and Kenya's fixed public holidays, created once
    (a new database is created from the models, so this runs lazily)."""
    row = _SETTINGS_ROW.first()
    if row is None:
        with db.atomic():
            row = CounsellingSettings.create()
            Holiday.insert_many([{"key": key, "name": key, "month": m, "day": d}
                                 for key, m, d, _name in KENYA_FIXED_HOLIDAYS]
                                ).on_conflict_ignore().execute()
    return row


def settings() -> CounsellingSettings:
    if has_app_context() and "counselling_settings" in g:
        return g.counselling_settings
    row = ensure_defaults()
    if has_app_context():
        g.counselling_settings = row
    return row


def update_settings(data: dict, actor=None) -> CounsellingSettings:
    row = settings()
    limits = {"notice_minutes": (0, 7 * 24 * 60), "window_days": (1, 365),
              "member_cutoff_hours": (0, 14 * 24)}
    for name, (low, high) in limits.items():
        if not low <= int(data[name]) <= high:
            raise CounsellingError(_l("Use a number between %(low)d and %(high)d.",
                                      low=low, high=high), name)
        setattr(row, name, int(data[name]))
    row.self_booking = bool(data["self_booking"])
    row.updated_at, row.updated_by = utcnow(), actor
    row.save()
    slots_changed()
    audit.record("counselling.settings", "counselling_settings", row.id, "booking rules changed",
                 actor=actor)
    return row


def self_booking_on() -> bool:
    return settings().self_booking


def holidays_between(first: dt.date, last: dt.date) -> set[dt.date]:
    """Public-holiday dates in [first, last]; a holiday on a Sunday is also
    observed on the Monday after."""
    settings()
    rows = list(Holiday.select().where(Holiday.active == True))  # noqa: E712
    found: set[dt.date] = set()
    for year in range(first.year, last.year + 1):
        for row in rows:
            if row.year not in (None, year):
                continue
            try:
                day = dt.date(year, row.month, row.day)
            except ValueError:      # 29 February in a common year
                continue
            found.add(day)
            if day.weekday() == 6:
                found.add(day + dt.timedelta(days=1))
    return {d for d in found if first <= d <= last}


def add_holiday(name: str, day: dt.date, every_year: bool, actor=None) -> Holiday:
    name = (name or "").strip()
    if not name:
        raise CounsellingError(_l("Give the holiday a name."), "name")
    row = Holiday.create(name=name[:80], month=day.month, day=day.day,
                         year=None if every_year else day.year)
    slots_changed()
    audit.record("counselling.holiday_added", "holiday", row.id, actor=actor)
    return row


def set_holiday_active(holiday: Holiday, active: bool, actor=None) -> None:
    holiday.active = active
    holiday.save(only=[Holiday.active])
    slots_changed()
    audit.record("counselling.holiday_" + ("on" if active else "off"), "holiday", holiday.id,
                 actor=actor)


# --- counsellors and availability ---------------------------------------------------

def counsellors():
    return (User.select().join(UserRole, on=(UserRole.user == User.id))
            .where((UserRole.role == "counsellor") & (User.active == True))  # noqa: E712
            .order_by(User.display_name))


_COUNSELLORS = Prepared(lambda p: counsellors())


def counsellor_list() -> list[User]:
    """counsellors() as a list, from a query built once."""
    return list(_COUNSELLORS.iterate())


def counsellor_or_none(user_id) -> User | None:
    return counsellors().where(User.id == user_id).first()


def manageable_counsellors(user):
    """Whose availability and agenda `user` may see: all counsellors for
    coordinators, otherwise only themself."""
    if user_can(user, "counselling.manage"):
        return counsellors()
    return counsellors().where(User.id == user.id)


def manageable_counsellor_list(user) -> list[User]:
    """manageable_counsellors(user) as a list, from a query built once."""
    people = counsellor_list()
    if user_can(user, "counselling.manage"):
        return people
    return [p for p in people if p.id == user.id]


def templates_of(counsellor_id: int):
    return (AvailabilityTemplate.select()
            .where((AvailabilityTemplate.counsellor == counsellor_id)
                   & (AvailabilityTemplate.active == True))  # noqa: E712
            .order_by(AvailabilityTemplate.weekday, AvailabilityTemplate.start_time))


def add_template(counsellor: User, weekday: int, start: dt.time, end: dt.time,
                 session_minutes: int = 50, buffer_minutes: int = 10, room: str = "",
                 actor=None) -> AvailabilityTemplate:
    if not 0 <= weekday <= 6:
        raise CounsellingError(_l("Choose a day of the week."), "weekday")
    if not 15 <= session_minutes <= 240:
        raise CounsellingError(_l("A session lasts between 15 and 240 minutes."),
                               "session_minutes")
    if not 0 <= buffer_minutes <= 120:
        raise CounsellingError(_l("A break lasts between 0 and 120 minutes."), "buffer_minutes")
    span = S.window_span(S.Window(counsellor.id, weekday, start, end), dt.date(2024, 1, 1))
    if span[1] - span[0] < dt.timedelta(minutes=session_minutes):
        raise CounsellingError(_l("The time range is shorter than one session."), "end_time")
    row = AvailabilityTemplate.create(counsellor=counsellor, weekday=weekday, start_time=start,
                                      end_time=end, session_minutes=session_minutes,
                                      buffer_minutes=buffer_minutes, room=(room or "")[:60])
    slots_changed()
    audit.record("counselling.availability_added", "availability", row.id, actor=actor)
    return row


def remove_template(template: AvailabilityTemplate, actor=None) -> None:
    """Retire a template (bookings already made stay)."""
    template.active = False
    template.save(only=[AvailabilityTemplate.active])
    slots_changed()
    audit.record("counselling.availability_removed", "availability", template.id, actor=actor)


def exceptions_of(counsellor_id: int, since: dt.datetime | None = None):
    query = AvailabilityException.select().where(
        AvailabilityException.counsellor == counsellor_id)
    if since is not None:
        query = query.where(AvailabilityException.ends_at > since)
    return query.order_by(AvailabilityException.starts_at)


def local_range(first: dt.date, last: dt.date, start: dt.time | None = None,
                end: dt.time | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Local dates (and optional times) -> naive UTC [start, end)."""
    begin = dt.datetime.combine(first, start or dt.time(0), NAIROBI)
    finish = dt.datetime.combine(last, end, NAIROBI) if end else \
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), NAIROBI)
    return S.to_utc(begin), S.to_utc(finish)


def add_exception(counsellor: User, first: dt.date, last: dt.date, kind: str,
                  start: dt.time | None = None, end: dt.time | None = None, note: str = "",
                  actor=None) -> AvailabilityException:
    if kind not in EXCEPTION_KINDS:
        raise CounsellingError(_l("Choose a reason."), "kind")
    if last < first:
        raise CounsellingError(_l("The last day is before the first day."), "last_day")
    starts_at, ends_at = local_range(first, last, start, end)
    if ends_at <= starts_at:
        raise CounsellingError(_l("The end is not after the start."), "end_time")
    row = AvailabilityException.create(counsellor=counsellor, starts_at=starts_at,
                                       ends_at=ends_at, kind=kind, note=(note or "")[:120],
                                       created_by=actor)
    slots_changed()
    audit.record("counselling.exception_added", "availability_exception", row.id, kind,
                 actor=actor)
    return row


def remove_exception(row: AvailabilityException, actor=None) -> None:
    audit.record("counselling.exception_removed", "availability_exception", row.id, actor=actor)
    row.delete_instance()
    slots_changed()


# --- free slots ------------------------------------------------------------------------------

def booking_limits(by_member: bool, now: dt.datetime | None = None):
    """The earliest and latest start a booking may have. The notice applies
    to members booking themselves; staff may fill a gap the same day."""
    now = now or utcnow()
    rules = settings()
    notice = dt.timedelta(minutes=rules.notice_minutes if by_member else 0)
    return now + notice, now + dt.timedelta(days=rules.window_days)


def _windows(counsellor_ids) -> list[S.Window]:
    """Active availability of these counsellors (None: of everyone)."""
    query = AvailabilityTemplate.select().where(AvailabilityTemplate.active == True)  # noqa: E712
    if counsellor_ids is not None:
        query = query.where(AvailabilityTemplate.counsellor.in_(list(counsellor_ids)))
    return [S.Window(t.counsellor_id, t.weekday, t.start_time, t.end_time, t.session_minutes,
                     t.buffer_minutes, t.room) for t in query]


def _busy(counsellor_ids, start: dt.datetime, end: dt.datetime, ignore_booking=None):
    """Bookings (with buffers), exceptions, facilitated group sessions and
    holidays overlapping [start, end], widened by a day."""
    lo, hi = start - dt.timedelta(days=1), end + dt.timedelta(days=1)
    ids = list(counsellor_ids)
    bookings = (Booking.select(Booking.counsellor, Booking.starts_at, Booking.ends_at,
                               Booking.buffer_minutes)
                .where(Booking.counsellor.in_(ids) & Booking.status.in_(HOLDING)
                       & (Booking.starts_at > lo - dt.timedelta(days=1))   # index range
                       & (Booking.starts_at < hi) & (Booking.ends_at > lo)))
    if ignore_booking is not None:
        bookings = bookings.where(Booking.id != ignore_booking.id)
    busy = [S.Busy(c, s, e, b, True) for c, s, e, b in bookings.tuples()]
    away = (AvailabilityException.select(AvailabilityException.counsellor,
                                         AvailabilityException.starts_at,
                                         AvailabilityException.ends_at)
            .where(AvailabilityException.counsellor.in_(ids)
                   & (AvailabilityException.starts_at < hi)
                   & (AvailabilityException.ends_at > lo)))
    busy += [S.Busy(c, s, e) for c, s, e in away.tuples()]
    groups = (GroupSession.select(GroupFacilitator.user, GroupSession.starts_at,
                                  GroupSession.ends_at)
              .join(GroupFacilitator, on=(GroupFacilitator.session == GroupSession.id))
              .where(GroupFacilitator.user.in_(ids) & GroupSession.cancelled_at.is_null()
                     & (GroupSession.starts_at < hi) & (GroupSession.ends_at > lo)))
    busy += [S.Busy(u, s, e) for u, s, e in groups.tuples()]
    busy += S.holiday_busy(holidays_between(S.to_local(lo).date(), S.to_local(hi).date()))
    return busy


def _compute_slots(counsellor_ids, start: dt.datetime, end: dt.datetime,
                   ignore_booking=None) -> list[S.Slot]:
    """Free slots from the database as it is now (None: every counsellor
    with availability)."""
    windows = _windows(counsellor_ids)
    if not windows:
        return []
    ids = {w.counsellor_id for w in windows}
    return S.compute_slots(windows, _busy(ids, start, end, ignore_booking), start, end)


# --- short-lived cache of free slots ---------------------------------------------------------------
# A worker keeps the free slots of every counsellor over the booking window
# for at most SLOT_CACHE_SECONDS, and only while the database's SlotsVersion
# token is the one it read BEFORE computing them: every write that can
# change free slots calls `slots_changed()` (after the write, in the same
# transaction when there is one), so the next request of any worker sees a
# new token and computes again. Slots of one counsellor do not depend on
# anyone else's, and slots starting in [start, end] do not depend on busy
# time further than a day outside it, so a subset of a bigger computation
# equals a smaller computation. Booking itself (offered_slot) never uses it.

SLOT_CACHE_SECONDS = 30


@dataclass(frozen=True)
class _SlotCache:
    token: str
    born: float
    start: dt.datetime
    end: dt.datetime
    slots: list
    starts: list


_slot_cache: _SlotCache | None = None
_TOKEN = Prepared(lambda p: SlotsVersion.select(SlotsVersion.token)
                  .where(SlotsVersion.id == 1).tuples())


def slots_changed() -> None:
    """Free slots may have changed: every worker computes them again."""
    global _slot_cache
    token = uuid.uuid4().hex
    SlotsVersion.insert(id=1, token=token).on_conflict(
        conflict_target=[SlotsVersion.id], update={SlotsVersion.token: token}).execute()
    _slot_cache = None


def _current_token() -> str | None:
    row = _TOKEN.first()
    return row[0] if row else None


def _cached_slots(start: dt.datetime, end: dt.datetime) -> list[S.Slot] | None:
    """Free slots of everyone starting in [start, end] from the cache
    (computed again when stale); None when the database has no token yet."""
    global _slot_cache
    token = _current_token()          # before reading any data: see above
    if token is None:
        return None
    cache = _slot_cache
    if (cache is None or cache.token != token or start < cache.start or end > cache.end
            or time.monotonic() - cache.born > SLOT_CACHE_SECONDS):
        born = time.monotonic()
        lo = min(utcnow(), start)
        hi = max(lo + dt.timedelta(days=settings().window_days + 1), end)
        slots = _compute_slots(None, lo, hi)
        cache = _slot_cache = _SlotCache(token, born, lo, hi, slots, [s.start for s in slots])
    return cache.slots[bisect.bisect_left(cache.starts, start):
                       bisect.bisect_right(cache.starts, end)]


_COUNSELLOR_IDS = Prepared(lambda p: User.select(User.id)
                           .join(UserRole, on=(UserRole.user == User.id))
                           .where((UserRole.role == "counsellor")
                                  & (User.active == True))  # noqa: E712
                           .tuples())


def active_counsellor_ids() -> list[int]:
    return [row[0] for row in _COUNSELLOR_IDS.iterate()]


def free_slots(counsellor_ids=None, start: dt.datetime | None = None,
               end: dt.datetime | None = None, by_member: bool = False,
               ignore_booking=None, now: dt.datetime | None = None,
               fresh: bool = False) -> list[S.Slot]:
    """Free slots in [start, end] within the booking limits. `fresh` reads
    the database now (what a booking is checked against)."""
    earliest, latest = booking_limits(by_member, now)
    start = max(start or earliest, earliest)
    end = min(end or latest, latest)
    if end < start:
        return []
    if counsellor_ids is None:
        counsellor_ids = active_counsellor_ids()
    if ignore_booking is None and not fresh:
        cached = _cached_slots(start, end)
        if cached is not None:
            wanted = set(counsellor_ids)
            return [slot for slot in cached if slot.counsellor_id in wanted]
    if not counsellor_ids:
        return []
    return _compute_slots(counsellor_ids, start, end, ignore_booking)


def next_free_slots(counsellor_id: int | None = None, limit: int = 8, by_member: bool = False,
                    after: dt.datetime | None = None, ignore_booking=None) -> list[S.Slot]:
    """The next free slots with one counsellor or any: look a week ahead
    first, then further, up to the booking window."""
    earliest, latest = booking_limits(by_member)
    start = max(after or earliest, earliest)
    ids = None if counsellor_id is None else [counsellor_id]
    span = dt.timedelta(days=7)
    found: list[S.Slot] = []
    while start <= latest and len(found) < limit:
        end = min(start + span, latest)
        found += free_slots(ids, start, end, by_member, ignore_booking)
        start = end + dt.timedelta(seconds=1)
        span *= 2
    return found[:limit]


def offered_slot(counsellor_id: int, starts_at: dt.datetime, by_member: bool,
                 ignore_booking=None) -> S.Slot | None:
    """The free slot of this counsellor starting exactly then, if any."""
    for slot in free_slots([counsellor_id], starts_at, starts_at, by_member, ignore_booking,
                           fresh=True):
        if slot.start == starts_at and slot.counsellor_id == counsellor_id:
            return slot
    return None


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_today() -> dt.date:
    return S.to_local(utcnow()).date()


def week_view(counsellor: User, monday: dt.date, by_member: bool = False) -> list[dict]:
    """Seven local days: free slots and (for staff) the bookings."""
    start, end = local_range(monday, monday + dt.timedelta(days=6))
    free = free_slots([counsellor.id], start, end, by_member)
    days = [{"date": monday + dt.timedelta(days=i), "slots": [], "bookings": []}
            for i in range(7)]
    for slot in free:
        days[(S.to_local(slot.start).date() - monday).days]["slots"].append(slot)
    if not by_member:
        for booking in bookings_between(counsellor.id, start, end):
            days[(S.to_local(booking.starts_at).date() - monday).days]["bookings"].append(booking)
    return days


# --- bookings ---------------------------------------------------------------------------------

def slot_key(counsellor_id: int, starts_at: dt.datetime) -> str:
    return f"{counsellor_id}@{starts_at:%Y-%m-%dT%H:%M}"


def member_key(member_id: int, starts_at: dt.datetime) -> str:
    return f"{member_id}@{starts_at:%Y-%m-%dT%H:%M}"


def bookings_between(counsellor_id: int, start: dt.datetime, end: dt.datetime):
    return (Booking.select(Booking, Member.code, Member.preferred_name, Member.id)
            .join(Member, on=(Booking.member == Member.id))
            .where((Booking.counsellor == counsellor_id) & (Booking.starts_at >= start)
                   & (Booking.starts_at < end))
            .order_by(Booking.starts_at))


def _member_overlap(member_id: int, start: dt.datetime, end: dt.datetime, ignore=None) -> bool:
    query = Booking.select(Booking.id).where(
        (Booking.member == member_id) & Booking.status.in_(HOLDING)
        & (Booking.starts_at < end) & (Booking.ends_at > start))
    if ignore is not None:
        query = query.where(Booking.id != ignore.id)
    return query.exists()


def _log(booking: Booking, action: str, actor=None, old_starts_at=None, new_starts_at=None,
         old_counsellor=None, reason: str = "") -> None:
    BookingEvent.create(booking=booking, action=action, actor=actor, old_starts_at=old_starts_at,
                        new_starts_at=new_starts_at, old_counsellor=old_counsellor,
                        reason=reason[:255])


def _check_member(member: Member) -> None:
    if member.anonymised_at or member.status == "exited":
        raise CounsellingError(_l("This member has left the centre: no new bookings."), "member")


def book(member: Member, counsellor_id: int, starts_at: dt.datetime, actor=None,
         by_member: bool = False) -> Booking:
    """Book a free slot. Call inside db.atomic(). The UNIQUE slot_key is the
    final guard: two people racing for one time get one booking and one
    SlotTaken with alternatives."""
    _check_member(member)
    if by_member and not self_booking_on():
        raise CounsellingError(_l("Booking online is switched off. Please contact the centre."))
    slot = offered_slot(counsellor_id, starts_at, by_member)
    if slot is None:
        raise SlotTaken(next_free_slots(counsellor_id, by_member=by_member, after=starts_at)
                        or next_free_slots(None, by_member=by_member, after=starts_at))
    if _member_overlap(member.id, slot.start, slot.end):
        raise CounsellingError(_l("The member already has an appointment at that time."),
                               "starts_at")
    booking = _insert_booking(member, slot, actor, by_member)
    audit.record("counselling.booked", "booking", booking.id,
                 "by member" if by_member else "by staff", actor=actor)
    return booking


def _insert_booking(member, slot: S.Slot, actor, by_member: bool) -> Booking:
    try:
        with db.atomic():
            booking = Booking.create(
                member=member, counsellor=slot.counsellor_id, starts_at=slot.start,
                ends_at=slot.end, buffer_minutes=slot.buffer_minutes, room=slot.room,
                slot_key=slot_key(slot.counsellor_id, slot.start),
                member_key=member_key(member.id, slot.start), booked_by_member=by_member,
                created_by=actor)
            _log(booking, BOOKED, actor, new_starts_at=slot.start)
            slots_changed()
    except pw.IntegrityError:
        raise SlotTaken(next_free_slots(slot.counsellor_id, by_member=by_member,
                                        after=slot.start + dt.timedelta(minutes=1)))
    return booking


def within_member_cutoff(booking: Booking, now: dt.datetime | None = None) -> bool:
    """True when it is too late for the member to change this booking."""
    now = now or utcnow()
    return booking.starts_at - now < dt.timedelta(hours=settings().member_cutoff_hours)


def _refuse_inside_cutoff(booking: Booking) -> None:
    if within_member_cutoff(booking):
        raise CounsellingError(_l(
            "This appointment is less than %(hours)d hours away and can no longer be changed "
            "here. Please contact the centre.", hours=settings().member_cutoff_hours))


def reschedule(booking: Booking, counsellor_id: int, starts_at: dt.datetime, actor=None,
               by_member: bool = False) -> Booking:
    """Move a booking; its history keeps the old time and counsellor."""
    if booking.status != BOOKED:
        raise CounsellingError(_l("Only a booked appointment can be moved."))
    if by_member:
        _refuse_inside_cutoff(booking)
    slot = offered_slot(counsellor_id, starts_at, by_member, ignore_booking=booking)
    if slot is None:
        raise SlotTaken(next_free_slots(counsellor_id, by_member=by_member, after=starts_at,
                                        ignore_booking=booking))
    if _member_overlap(booking.member_id, slot.start, slot.end, ignore=booking):
        raise CounsellingError(_l("The member already has an appointment at that time."),
                               "starts_at")
    old_start, old_counsellor = booking.starts_at, booking.counsellor_id
    try:
        with db.atomic():
            Booking.update(counsellor=slot.counsellor_id, starts_at=slot.start, ends_at=slot.end,
                           buffer_minutes=slot.buffer_minutes, room=slot.room,
                           slot_key=slot_key(slot.counsellor_id, slot.start),
                           member_key=member_key(booking.member_id, slot.start)
                           ).where(Booking.id == booking.id).execute()
            _log(booking, "rescheduled", actor, old_starts_at=old_start,
                 new_starts_at=slot.start, old_counsellor=old_counsellor)
            slots_changed()
    except pw.IntegrityError:
        raise SlotTaken(next_free_slots(counsellor_id, by_member=by_member, after=starts_at,
                                        ignore_booking=booking))
    audit.record("counselling.rescheduled", "booking", booking.id,
                 "by member" if by_member else "by staff", actor=actor)
    return Booking.get_by_id(booking.id)


def cancel(booking: Booking, reason: str, actor=None, by_member: bool = False) -> None:
    if booking.status != BOOKED:
        raise CounsellingError(_l("Only a booked appointment can be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise CounsellingError(_l("Say why the appointment is cancelled."), "reason")
    if by_member:
        _refuse_inside_cutoff(booking)
    status = CANCELLED_MEMBER if by_member else CANCELLED_CENTRE
    Booking.update(status=status, slot_key=None, member_key=None, cancel_reason=reason[:255],
                   status_changed_at=utcnow()).where(Booking.id == booking.id).execute()
    slots_changed()
    _log(booking, status, actor, old_starts_at=booking.starts_at, reason=reason)
    audit.record("counselling.cancelled", "booking", booking.id, status, actor=actor)


def mark(booking: Booking, status: str, actor=None, now: dt.datetime | None = None) -> None:
    """booked -> attended | no_show once the session has begun; the two
    may be swapped to correct a mistake unless a note exists."""
    from app.counselling.models import SessionNote
    if status not in (ATTENDED, NO_SHOW):
        raise CounsellingError(_l("Choose attended or did not come."))
    if booking.status not in (BOOKED, ATTENDED, NO_SHOW):
        raise CounsellingError(_l("A cancelled appointment cannot be marked."))
    if booking.starts_at > (now or utcnow()):
        raise CounsellingError(_l("The appointment has not started yet."))
    if status == NO_SHOW and SessionNote.select().where(SessionNote.booking == booking).exists():
        raise CounsellingError(_l("This session has notes: it was attended."))
    Booking.update(status=status, status_changed_at=utcnow()).where(
        Booking.id == booking.id).execute()
    slots_changed()
    _log(booking, status, actor)
    audit.record("counselling.marked", "booking", booking.id, status, actor=actor)


def history(booking: Booking):
    return BookingEvent.select().where(BookingEvent.booking == booking).order_by(BookingEvent.id)


# --- who sees which booking -----------------------------------------------------------------------

def visible_bookings(user):
    """Coordinators (counselling.manage) see all; a counsellor their own."""
    query = Booking.select(Booking, Member).join(Member, on=(Booking.member == Member.id))
    if user_can(user, "counselling.manage"):
        return query
    if user_can(user, "counselling.agenda"):
        return query.where(Booking.counsellor == user.id)
    return query.where(False)


def visible_booking(user, booking_id) -> Booking | None:
    return visible_bookings(user).where(Booking.id == booking_id).first()


def member_bookings(member: Member, upcoming_only: bool = True):
    query = Booking.select().where(Booking.member == member)
    if upcoming_only:
        query = query.where((Booking.status == BOOKED) & (Booking.ends_at > utcnow()))
    return query.order_by(Booking.starts_at)


def counsellor_members(user):
    """Members a counsellor has booked sessions with (the members module
    lets counsellors find these, and no one else)."""
    if not user_can(user, "counselling.agenda"):
        return None
    return Booking.select(Booking.member).where(Booking.counsellor == user.id)


_AGENDA = Prepared(lambda p: bookings_between(p("counsellor"), p("start"), p("end"))
                   .select(Booking.id, Booking.starts_at, Booking.ends_at, Booking.status,
                           Booking.room, Member.code, Member.preferred_name, Member.id)
                   .where(Booking.status.in_(HOLDING + (CANCELLED_MEMBER, CANCELLED_CENTRE))))


def agenda(counsellor_id: int, first: dt.date, days: int):
    start, end = local_range(first, first + dt.timedelta(days=days - 1))
    return list(_AGENDA.iterate(counsellor=counsellor_id, start=start.isoformat(" "),
                                end=end.isoformat(" ")))


def tomorrows_appointments(today: dt.date | None = None):
    """Tomorrow's booked appointments (for the reminder calls)."""
    day = (today or local_today()) + dt.timedelta(days=1)
    start, end = local_range(day, day)
    rows = (Booking.select(Booking, Member, User)
            .join(Member, on=(Booking.member == Member.id))
            .switch(Booking).join(User, on=(Booking.counsellor == User.id))
            .where((Booking.status == BOOKED) & (Booking.starts_at >= start)
                   & (Booking.starts_at < end))
            .order_by(Booking.starts_at, User.display_name))
    return day, list(rows)


def scrub_member(member) -> None:
    """Anonymisation (members.anonymise): session notes and reasons typed
    about the member go; times, statuses and attendance stay for statistics."""
    from app.counselling.models import SessionNote
    SessionNote.update(text="", concerns="", follow_up="", released_at=None,
                       released_by=None).where(SessionNote.member == member).execute()
    bookings = Booking.select(Booking.id).where(Booking.member == member)
    Booking.update(cancel_reason="").where(Booking.member == member).execute()
    BookingEvent.update(reason="").where(BookingEvent.booking.in_(bookings)).execute()

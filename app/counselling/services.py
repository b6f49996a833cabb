"""Counselling rules, tested without HTTP: the booking rules the
coordinator sets, counsellors and their availability, and free slots.

One-to-one bookings are in `bookings.py`, public holidays in
`holidays.py`, group sessions in `groups.py`, confidential notes in
`notes.py`, calendar feeds in `feeds.py`, the dashboard panels' figures in
`panels.py`, the pure free-slot computation in `slots.py`. Every service
that writes opens its own transaction (`db.atomic()`).
"""
from __future__ import annotations

import bisect
import datetime as dt
import time
import uuid
from dataclasses import dataclass

from flask import g, has_app_context
from app.i18n import lazy_gettext as _l

from app.rules import RuleError
from app import audit
from app.access import user_can
from app.auth.models import User, UserRole
from app.clock import local_midnight, to_local, to_utc
from app.counselling import slots as S
from app.counselling.holidays import holidays_between
from app.counselling.labels import KENYA_FIXED_HOLIDAYS
from app.counselling.models import (
    EXCEPTION_KINDS, HOLDING, AvailabilityException, AvailabilityTemplate, Booking,
    CounsellingSettings, GroupFacilitator, GroupSession, Holiday, SlotsVersion)
from app.db import db, utcnow

# Limits, stated once: the rules below refuse what is outside them and the
# forms (forms.py) take their ranges and lengths from here.
SETTING_RANGES = {"notice_minutes": (0, 7 * 24 * 60), "window_days": (1, 365),
                  "member_cutoff_hours": (0, 14 * 24)}
SESSION_MINUTES = (15, 240)
BUFFER_MINUTES = (0, 120)
ROOM_MAX = AvailabilityTemplate.room.max_length
AWAY_NOTE_MAX = AvailabilityException.note.max_length


class CounsellingError(RuleError):
    """A rule of this module refused the action."""


# --- booking rules (settings) --------------------------------------------------------

def ensure_defaults() -> CounsellingSettings:
    """The settings row and Kenya's fixed public holidays, created once
    (by init-db: migration 44)."""
    row = CounsellingSettings.select().order_by(CounsellingSettings.id).first()
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
    for name, (low, high) in SETTING_RANGES.items():
        if not low <= int(data[name]) <= high:
            raise CounsellingError(_l("Use a number between %(low)d and %(high)d.",
                                      low=low, high=high), name)
    with db.atomic():
        for name in SETTING_RANGES:
            setattr(row, name, int(data[name]))
        row.self_booking = bool(data["self_booking"])
        row.updated_at, row.updated_by = utcnow(), actor
        row.save()
        slots_changed()
        audit.record("counselling.settings", "counselling_settings", row.id,
                     "booking rules changed", actor=actor)
    return row


def self_booking_on() -> bool:
    return settings().self_booking


# --- counsellors ------------------------------------------------------------------------

def counsellors():
    """Active counsellors, by name (their id and name: what pages show)."""
    return (User.select(User.id, User.display_name)
            .join(UserRole, on=(UserRole.user == User.id))
            .where((UserRole.role == "counsellor") & (User.active == True))  # noqa: E712
            .order_by(User.display_name))


def counsellor_list() -> list[User]:
    """counsellors() as a list."""
    return list(counsellors())


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


def default_counsellor(user, people: list[User], chosen: int | None = None) -> User | None:
    """Among `people` (manageable_counsellor_list), the one a page shows:
    the one chosen, else oneself when a counsellor, else the first. None
    when the chosen one is not among them, or there is nobody."""
    if chosen:
        return next((p for p in people if p.id == chosen), None)
    return next((p for p in people if p.id == user.id), people[0] if people else None)


# --- availability: weekly templates and time away ---------------------------------------

def templates_of(counsellor_id: int):
    return (AvailabilityTemplate.select()
            .where((AvailabilityTemplate.counsellor == counsellor_id)
                   & (AvailabilityTemplate.active == True))  # noqa: E712
            .order_by(AvailabilityTemplate.weekday, AvailabilityTemplate.start_time))


def add_template(counsellor: User, weekday: int, start: dt.time, end: dt.time,
                 session_minutes: int = 50, buffer_minutes: int = 10, room: str = "",
                 actor=None) -> AvailabilityTemplate:
    _check_template(counsellor, weekday, start, end, session_minutes, buffer_minutes)
    with db.atomic():
        row = AvailabilityTemplate.create(
            counsellor=counsellor, weekday=weekday, start_time=start, end_time=end,
            session_minutes=session_minutes, buffer_minutes=buffer_minutes,
            room=(room or "")[:ROOM_MAX])
        slots_changed()
        audit.record("counselling.availability_added", "availability", row.id, actor=actor)
    return row


def change_template(template: AvailabilityTemplate, weekday: int, start: dt.time,
                    end: dt.time, session_minutes: int, buffer_minutes: int, room: str = "",
                    actor=None) -> AvailabilityTemplate:
    """Change a weekly time: the old one is retired and the new one takes
    its place in one transaction (bookings already made stay, as when a
    time is removed)."""
    _check_template(template.counsellor, weekday, start, end, session_minutes, buffer_minutes)
    with db.atomic():
        current = AvailabilityTemplate.get_or_none(
            (AvailabilityTemplate.id == template.id) & (AvailabilityTemplate.active == True))  # noqa: E712
        if current is None:
            raise CounsellingError(_l("This weekly time was removed meanwhile."))
        current.active = False
        current.save(only=[AvailabilityTemplate.active])
        row = AvailabilityTemplate.create(
            counsellor=current.counsellor_id, weekday=weekday, start_time=start, end_time=end,
            session_minutes=session_minutes, buffer_minutes=buffer_minutes,
            room=(room or "")[:ROOM_MAX])
        slots_changed()
        audit.record("counselling.availability_changed", "availability", row.id, actor=actor,
                     summary=f"replaces {current.id}")
    return row


def _check_template(counsellor, weekday: int, start: dt.time, end: dt.time,
                    session_minutes: int, buffer_minutes: int) -> None:
    if not 0 <= weekday <= 6:
        raise CounsellingError(_l("Choose a day of the week."), "weekday")
    if not SESSION_MINUTES[0] <= session_minutes <= SESSION_MINUTES[1]:
        raise CounsellingError(_l("A session lasts between %(low)d and %(high)d minutes.",
                                  low=SESSION_MINUTES[0], high=SESSION_MINUTES[1]),
                               "session_minutes")
    if not BUFFER_MINUTES[0] <= buffer_minutes <= BUFFER_MINUTES[1]:
        raise CounsellingError(_l("A break lasts between %(low)d and %(high)d minutes.",
                                  low=BUFFER_MINUTES[0], high=BUFFER_MINUTES[1]),
                               "buffer_minutes")
    span = S.window_span(S.Window(counsellor.id, weekday, start, end), dt.date(2024, 1, 1))
    if span[1] - span[0] < dt.timedelta(minutes=session_minutes):
        raise CounsellingError(_l("The time range is shorter than one session."), "end_time")


def remove_template(template: AvailabilityTemplate, actor=None) -> None:
    """Retire a template (bookings already made stay)."""
    with db.atomic():
        template.active = False
        template.save(only=[AvailabilityTemplate.active])
        slots_changed()
        audit.record("counselling.availability_removed", "availability", template.id,
                     actor=actor)


def exceptions_of(counsellor_id: int, since: dt.datetime | None = None):
    query = AvailabilityException.select().where(
        AvailabilityException.counsellor == counsellor_id)
    if since is not None:
        query = query.where(AvailabilityException.ends_at > since)
    return query.order_by(AvailabilityException.starts_at)


def local_range(first: dt.date, last: dt.date, start: dt.time | None = None,
                end: dt.time | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Local dates (and optional wall-clock times) -> naive UTC [start, end)."""
    begin = to_utc(dt.datetime.combine(first, start or dt.time(0)))
    finish = to_utc(dt.datetime.combine(last, end)) if end else \
        local_midnight(last + dt.timedelta(days=1))
    return begin, finish


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
    with db.atomic():
        row = AvailabilityException.create(counsellor=counsellor, starts_at=starts_at,
                                           ends_at=ends_at, kind=kind,
                                           note=(note or "")[:AWAY_NOTE_MAX], created_by=actor)
        slots_changed()
        audit.record("counselling.exception_added", "availability_exception", row.id, kind,
                     actor=actor)
    return row


def remove_exception(row: AvailabilityException, actor=None) -> None:
    with db.atomic():
        audit.record("counselling.exception_removed", "availability_exception", row.id,
                     actor=actor)
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
    t = AvailabilityTemplate
    query = (t.select(t.counsellor, t.weekday, t.start_time, t.end_time, t.session_minutes,
                      t.buffer_minutes, t.room)
             .where(t.active == True))  # noqa: E712
    if counsellor_ids is not None:
        query = query.where(t.counsellor.in_(list(counsellor_ids)))
    return [S.Window(*row) for row in query.tuples()]


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
    busy += S.holiday_busy(holidays_between(to_local(lo).date(), to_local(hi).date()))
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


def slots_changed() -> None:
    """Free slots may have changed: every worker computes them again."""
    global _slot_cache
    token = uuid.uuid4().hex
    SlotsVersion.insert(id=1, token=token).on_conflict(
        conflict_target=[SlotsVersion.id], update={SlotsVersion.token: token}).execute()
    _slot_cache = None


def _current_token() -> str | None:
    row = SlotsVersion.select(SlotsVersion.token).where(SlotsVersion.id == 1).tuples().first()
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


def active_counsellor_ids() -> list[int]:
    return [row[0] for row in User.select(User.id)
            .join(UserRole, on=(UserRole.user == User.id))
            .where((UserRole.role == "counsellor") & (User.active == True))  # noqa: E712
            .tuples()]


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
    slots = _compute_slots(counsellor_ids, start, end, ignore_booking)
    if ignore_booking is None:
        return slots
    # Moving a booking frees its time for its neighbours, but its own slot is
    # where it already is: never offered as a time to move to.
    return [slot for slot in slots if not _is_own_slot(slot, ignore_booking)]


def _is_own_slot(slot: S.Slot, booking) -> bool:
    return slot.counsellor_id == booking.counsellor_id and slot.start == booking.starts_at


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


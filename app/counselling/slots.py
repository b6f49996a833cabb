"""Free-slot computation: pure functions, no database, no Flask.

Availability windows are wall-clock times in the centre's time zone
(Africa/Nairobi); everything else is naive UTC. A window whose end is not
after its start runs past midnight into the next day.

Invariants (tests/test_counselling_slots.py proves them with hypothesis):
- every slot lies inside one availability window of its counsellor;
- no slot overlaps a busy interval of its counsellor (a booking widened by
  the larger of the two buffers) or an exception or holiday.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from app.clock import NAIROBI, to_local, to_utc  # noqa: F401  (the one time module)


@dataclass(frozen=True)
class Window:
    counsellor_id: int
    weekday: int                 # 0 = Monday
    start: dt.time
    end: dt.time
    session_minutes: int = 50
    buffer_minutes: int = 10
    room: str = ""


@dataclass(frozen=True)
class Busy:
    """Time a counsellor cannot take a session. `counsellor_id` None means
    everyone (a public holiday). Bookings carry their buffer; exceptions 0."""
    counsellor_id: int | None
    start: dt.datetime
    end: dt.datetime
    buffer_minutes: int = 0
    is_booking: bool = False


@dataclass(frozen=True, order=True)
class Slot:
    start: dt.datetime
    counsellor_id: int
    end: dt.datetime
    room: str = ""
    buffer_minutes: int = 10

    @property
    def day(self) -> dt.date:
        """The local (Nairobi) date the slot is on: lists group by it."""
        return to_local(self.start).date()


def window_span(window: Window, day: dt.date, tz=NAIROBI) -> tuple[dt.datetime, dt.datetime]:
    """The UTC interval a window covers on a local date."""
    start = dt.datetime.combine(day, window.start, tz)
    end_day = day if window.end > window.start else day + dt.timedelta(days=1)
    return to_utc(start), to_utc(dt.datetime.combine(end_day, window.end, tz))


def holiday_busy(days, tz=NAIROBI) -> list[Busy]:
    """Whole local days as busy intervals for everyone."""
    result = []
    for day in days:
        start = dt.datetime.combine(day, dt.time(0), tz)
        result.append(Busy(None, to_utc(start), to_utc(start + dt.timedelta(days=1))))
    return result


def window_slots(window: Window, day: dt.date, tz=NAIROBI) -> list[Slot]:
    """All slots of a window on a local date, ignoring anything busy."""
    start, end = window_span(window, day, tz)
    length = dt.timedelta(minutes=window.session_minutes)
    step = length + dt.timedelta(minutes=window.buffer_minutes)
    slots = []
    at = start
    while at + length <= end:
        slots.append(Slot(at, window.counsellor_id, at + length, window.room,
                          window.buffer_minutes))
        at += step
    return slots


class _BusyIndex:
    """Busy intervals of one counsellor (plus everyone's), sorted, so a
    conflict check looks only at the neighbours of a slot."""

    def __init__(self, items: list[Busy]):
        self.items = sorted(items, key=lambda b: b.start)
        self.starts = [b.start for b in self.items]
        self.reach = max((b.end - b.start + dt.timedelta(minutes=b.buffer_minutes)
                          for b in self.items), default=dt.timedelta(0))

    def conflicts(self, slot: Slot) -> bool:
        widest = max(dt.timedelta(minutes=slot.buffer_minutes), self.reach)
        lo = bisect.bisect_left(self.starts, slot.start - widest - self.reach)
        hi = bisect.bisect_right(self.starts, slot.end + widest)
        for busy in self.items[lo:hi]:
            gap = dt.timedelta(minutes=max(slot.buffer_minutes, busy.buffer_minutes)) \
                if busy.is_booking else dt.timedelta(0)
            if slot.start < busy.end + gap and busy.start < slot.end + gap:
                return True
        return False


def compute_slots(windows, busy, earliest: dt.datetime, latest: dt.datetime,
                  tz=NAIROBI) -> list[Slot]:
    """Free slots starting in [earliest, latest] (naive UTC), sorted by start
    then counsellor."""
    if latest < earliest:
        return []
    everyone = [b for b in busy if b.counsellor_id is None]
    by_counsellor: dict[int, list[Busy]] = {}
    for item in busy:
        if item.counsellor_id is not None:
            by_counsellor.setdefault(item.counsellor_id, []).append(item)
    indexes: dict[int, _BusyIndex] = {}
    first_day = to_local(earliest, tz).date() - dt.timedelta(days=1)   # overnight windows
    last_day = to_local(latest, tz).date()
    result = []
    day = first_day
    while day <= last_day:
        for window in windows:
            if window.weekday != day.weekday():
                continue
            index = indexes.get(window.counsellor_id)
            if index is None:
                index = indexes[window.counsellor_id] = _BusyIndex(
                    by_counsellor.get(window.counsellor_id, []) + everyone)
            for slot in window_slots(window, day, tz):
                if earliest <= slot.start <= latest and not index.conflicts(slot):
                    result.append(slot)
        day += dt.timedelta(days=1)
    return sorted(set(result))

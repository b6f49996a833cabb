"""What a member sees when booking on a phone: the days with free times,
one day's times grouped by hour (with "anyone free", one entry per time,
not one per counsellor), and the one slot a chosen time stands for."""
from __future__ import annotations

import datetime as dt
from itertools import groupby

from app.clock import to_local
from app.counselling import services
from app.counselling.slots import Slot


def _slots(counsellor_id: int | None) -> list[Slot]:
    ids = None if counsellor_id is None else [counsellor_id]
    return services.free_slots(ids, by_member=True)


def free_days(counsellor_id: int | None) -> list[dt.date]:
    """Nairobi days in the booking window with at least one free time."""
    return sorted({to_local(slot.start).date() for slot in _slots(counsellor_id)})


def times_on(day: dt.date, counsellor_id: int | None) -> list[Slot]:
    """The day's free times, earliest first; one per start time (the
    counsellor with the lowest id among those free then, a stable choice)."""
    chosen: dict[dt.datetime, Slot] = {}
    for slot in _slots(counsellor_id):
        if to_local(slot.start).date() != day:
            continue
        kept = chosen.get(slot.start)
        if kept is None or slot.counsellor_id < kept.counsellor_id:
            chosen[slot.start] = slot
    return [chosen[start] for start in sorted(chosen)]


def by_hour(slots: list[Slot]) -> list[tuple[int, list[Slot]]]:
    """[(hour, [slots starting in that Nairobi hour])]."""
    return [(hour, list(group))
            for hour, group in groupby(slots, key=lambda slot: to_local(slot.start).hour)]


def offered(counsellor_id: int | None, starts_at: dt.datetime | None) -> Slot | None:
    """The free slot a member's chosen time stands for, or None."""
    if counsellor_id is None or starts_at is None:
        return None
    return services.offered_slot(counsellor_id, starts_at, True)

"""When backups run: nightly at a local time, and again whenever the last
complete run is older than the latest scheduled time (the Pi was off, or the
run failed: retried at most every `retry_hours`). Pure functions on naive UTC."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def _utc(local: dt.datetime) -> dt.datetime:
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def last_slot(now: dt.datetime, at: dt.time, timezone: str) -> dt.datetime:
    """The latest scheduled time at or before `now` (naive UTC)."""
    zone = ZoneInfo(timezone)
    local_now = now.replace(tzinfo=dt.timezone.utc).astimezone(zone)
    candidate = dt.datetime.combine(local_now.date(), at, tzinfo=zone)
    if candidate > local_now:
        candidate = dt.datetime.combine(local_now.date() - dt.timedelta(days=1), at, tzinfo=zone)
    return _utc(candidate)


def next_slot(now: dt.datetime, at: dt.time, timezone: str) -> dt.datetime:
    zone = ZoneInfo(timezone)
    last = last_slot(now, at, timezone).replace(tzinfo=dt.timezone.utc).astimezone(zone)
    following = dt.datetime.combine(last.date() + dt.timedelta(days=1), at, tzinfo=zone)
    return _utc(following)


def is_due(now: dt.datetime, slot: dt.datetime, last_complete: dt.datetime | None,
           last_attempt: dt.datetime | None, retry_hours: float) -> bool:
    """Due when nothing complete started since the latest slot, and the last
    attempt (if any since the slot) is at least `retry_hours` old."""
    if last_complete is not None and last_complete >= slot:
        return False
    if last_attempt is None or last_attempt < slot:
        return True
    return now - last_attempt >= dt.timedelta(hours=retry_hours)


def trigger_for(now: dt.datetime, slot: dt.datetime) -> str:
    """"scheduled" when run near the slot, "catch_up" when the Pi was off."""
    return "scheduled" if now - slot <= dt.timedelta(minutes=30) else "catch_up"

"""Time at the centre: the one place that knows the zone.

Kituo stores naive UTC datetimes (DateTimeField) and shows Africa/Nairobi
(UTC+3, no daylight saving). Everything that turns one into the other, or
asks what day it is at the centre, uses these functions: template filters,
rules, forms and every module.

    utcnow()              naive UTC now, the form stored in the database
    today()               today's date in Nairobi
    to_local(utc)         stored naive UTC (or aware) -> aware Nairobi
    local_naive(utc)      stored naive UTC -> naive Nairobi wall-clock time
                          (what a datetime-local input shows)
    to_utc(local)         naive Nairobi wall-clock (or aware) -> naive UTC
    local_midnight(day)   00:00 in Nairobi on `day`, as naive UTC
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ZONE_NAME = "Africa/Nairobi"
NAIROBI = ZoneInfo(ZONE_NAME)
UTC = dt.timezone.utc


def utcnow() -> dt.datetime:
    """Naive UTC timestamp, the form stored in every DateTimeField."""
    return dt.datetime.now(UTC).replace(tzinfo=None)


def to_local(value: dt.datetime | None, zone=NAIROBI) -> dt.datetime | None:
    """A stored (naive UTC) or aware datetime -> aware, in Nairobi time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def local_naive(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (naive UTC) datetime as Nairobi wall-clock time without a
    zone: the value a form's datetime-local field shows."""
    return to_local(value).replace(tzinfo=None) if value is not None else None


def to_utc(value: dt.datetime | None, zone=NAIROBI) -> dt.datetime | None:
    """Nairobi wall-clock time (naive, as a form gives it) or an aware
    datetime -> naive UTC, the stored form."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC).replace(tzinfo=None)


def today() -> dt.date:
    """Today's date at the centre (Nairobi), whatever the server's zone."""
    return to_local(utcnow()).date()


def local_midnight(day: dt.date, zone=NAIROBI) -> dt.datetime:
    """The start of `day` in Nairobi, as naive UTC (for "on or after this
    day" queries on stored times)."""
    return to_utc(dt.datetime.combine(day, dt.time(0)), zone)

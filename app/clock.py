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
    date_bounds(near)     the range of a date a person types: the calendar
                          (2000-2100, also a CHECK in the database), or
                          near today (appointments, leave, meetings)
    parse_day(text, near) a typed ISO date within those bounds, else None
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ZONE_NAME = "Africa/Nairobi"
NAIROBI = ZoneInfo(ZONE_NAME)
UTC = dt.timezone.utc

# The range of any date a person types, checked by the forms
# (app.forms.DateInput), the query arguments (app.urls.date_arg) and the
# database (app.db.in_calendar; loans' and education's date CHECKs).
CALENDAR_FIRST = dt.date(2000, 1, 1)
CALENDAR_LAST = dt.date(2100, 12, 31)
# A year stored on its own (a year of birth, a holiday's year) lies within
# YEAR_FIRST..CALENDAR_LAST.year (app.db.years_in_calendar): people at the
# centre were born long before its records begin.
YEAR_FIRST = 1900
# Dates about appointments, leave, holidays and meetings lie within this
# many years of today.
NEAR_YEARS = 3


def utcnow() -> dt.datetime:
    """Naive UTC timestamp, the form stored in every DateTimeField."""
    return dt.datetime.now(UTC).replace(tzinfo=None)


def to_local(value: dt.datetime | None, zone=NAIROBI) -> dt.datetime | None:
    """A stored (naive UTC) or aware datetime -> aware, in Nairobi time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(zone)
    except OverflowError:   # at the very edge of the calendar (year 1 or 9999)
        return _edge(value).replace(tzinfo=zone)


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
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:   # at the very edge of the calendar (year 1 or 9999)
        return _edge(value)


def _edge(value: dt.datetime) -> dt.datetime:
    """The end of Python's calendar nearest to `value` (naive): a stored
    time out at the edge is shown as it is, never an error for the page
    (forms and the database keep new ones within 2000-2100)."""
    return dt.datetime.max if value.year > 5000 else dt.datetime.min


def today() -> dt.date:
    """Today's date at the centre (Nairobi), whatever the server's zone."""
    return to_local(utcnow()).date()


def local_midnight(day: dt.date, zone=NAIROBI) -> dt.datetime:
    """The start of `day` in Nairobi, as naive UTC (for "on or after this
    day" queries on stored times)."""
    return to_utc(dt.datetime.combine(day, dt.time(0)), zone)


def date_bounds(near: bool = False) -> tuple[dt.date, dt.date]:
    """First and last date a person may type: the calendar range, or with
    `near` within NEAR_YEARS of today at the centre."""
    if not near:
        return CALENDAR_FIRST, CALENDAR_LAST
    now = today()
    day = min(now.day, 28)
    return (now.replace(year=now.year - NEAR_YEARS, day=day),
            now.replace(year=now.year + NEAR_YEARS, day=day))


def parse_day(text, near: bool = False) -> dt.date | None:
    """`text` as an ISO date (2026-11-23) within date_bounds(near), else None."""
    try:
        day = dt.date.fromisoformat(str(text or "").strip())
    except ValueError:
        return None
    first, last = date_bounds(near)
    return day if first <= day <= last else None


def parse_local_start(text, near: bool = True) -> dt.datetime | None:
    """`text` as an ISO Nairobi wall-clock time (2026-11-23T10:00) whose day
    lies within date_bounds(near), else None: a start time from a link or a
    hidden field, before anything is booked at it."""
    try:
        start = dt.datetime.fromisoformat(str(text or "").strip())
    except ValueError:
        return None
    first, last = date_bounds(near)
    return start if first <= start.date() <= last else None

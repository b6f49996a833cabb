"""Reporting periods: month, quarter, year, the Kenyan financial year
(1 July to 30 June) and a custom range of days.

A period is two local calendar dates (Africa/Nairobi), both inclusive.
Each has a stable text key used in URLs and the result cache:
  2025-07            month           2025-Q3          quarter
  2025               year            FY2025           1 Jul 2025 - 30 Jun 2026
  2025-01-05_2025-02-20   custom range (at most MAX_CUSTOM_DAYS days)
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import peewee as pw

from app.i18n import gettext as _, lazy_gettext as _l

KINDS = ("month", "quarter", "year", "fy", "custom")
KIND_LABELS = {
    "month": _l("Month"),
    "quarter": _l("Quarter"),
    "year": _l("Year"),
    "fy": _l("Financial year (July to June)"),
    "custom": _l("Custom range"),
}
# Dates people may ask about: the centre's records start in 2000.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
MAX_CUSTOM_DAYS = 3 * 366


class PeriodError(ValueError):
    """A period that cannot be reported (unknown key, end before start)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date

    # --- identity -------------------------------------------------------
    @cached_property
    def key(self) -> str:
        """(Kept on the object: a report looks up ~400 figures by it.)"""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "fy":
            return f"FY{self.start.year}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def __hash__(self) -> int:
        # Equal periods have the same key; the key's hash is kept by Python
        # (a figure is looked up by its period ~800 times a year report).
        return hash(self.key)

    def label(self) -> str:
        """In the page's language: "July 2025", "Q3 2025", "FY 2025/26"."""
        from flask_babel import format_date
        if self.kind == "month":
            return format_date(self.start, "MMMM y")
        if self.kind == "quarter":
            return _("Q%(q)d %(year)d", q=(self.start.month - 1) // 3 + 1, year=self.start.year)
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "fy":
            return _("FY %(first)d/%(second)02d", first=self.start.year,
                     second=(self.start.year + 1) % 100)
        return f"{format_date(self.start, 'd MMM y')} – {format_date(self.end, 'd MMM y')}"

    def short_label(self) -> str:
        """For chart axes: "Jul 25", "Q3 25", "2025", "25/26"."""
        from flask_babel import format_date
        if self.kind == "month":
            return format_date(self.start, "MMM yy")
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start:%y}"
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "fy":
            return f"{self.start:%y}/{(self.start.year + 1) % 100:02d}"
        return format_date(self.start, "d MMM yy")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    # --- SQL --------------------------------------------------------------
    @property
    def utc_start(self) -> dt.datetime:
        return _utc_midnight(self.start)

    @property
    def utc_end(self) -> dt.datetime:
        """Exclusive: local midnight after the last day, in naive UTC."""
        return _utc_midnight(self.end + dt.timedelta(days=1))

    def contains(self, field) -> pw.Expression:
        """WHERE clause: `field` (a DateField or a naive-UTC DateTimeField)
        falls within the period."""
        if isinstance(field, pw.DateTimeField):
            return (field >= self.utc_start) & (field < self.utc_end)
        return (field >= self.start) & (field <= self.end)

    def overlaps(self, start_field, end_field) -> pw.Expression:
        """WHERE clause for a span of dates (end NULL: still open) that
        touches the period."""
        return (start_field <= self.end) & (end_field.is_null() | (end_field >= self.start))

    # --- neighbours ---------------------------------------------------------
    def previous(self) -> "Period":
        if self.kind == "custom":
            end = self.start - dt.timedelta(days=1)
            return Period("custom", end - dt.timedelta(days=self.days - 1), end)
        return containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> "Period":
        if self.kind == "custom":
            start = self.end + dt.timedelta(days=1)
            return Period("custom", start, start + dt.timedelta(days=self.days - 1))
        return containing(self.kind, self.end + dt.timedelta(days=1))

    def trend(self, count: int = 8) -> list["Period"]:
        """The last `count` periods of this kind, oldest first, this one last."""
        periods = [self]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return list(reversed(periods))

    def is_future(self, today: dt.date) -> bool:
        return self.start > today


def _utc_midnight(day: dt.date) -> dt.datetime:
    from app.clock import local_midnight
    return local_midnight(day)


def containing(kind: str, day: dt.date) -> Period:
    """The month, quarter, year or financial year that holds `day`."""
    if kind == "month":
        start = day.replace(day=1)
        return Period(kind, start, _month_end(start.year, start.month))
    if kind == "quarter":
        first = (day.month - 1) // 3 * 3 + 1
        return Period(kind, dt.date(day.year, first, 1), _month_end(day.year, first + 2))
    if kind == "year":
        return Period(kind, dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    if kind == "fy":
        year = day.year if day.month >= 7 else day.year - 1
        return Period(kind, dt.date(year, 7, 1), dt.date(year + 1, 6, 30))
    raise PeriodError(_l("Choose a kind of period from the list."))


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def custom(start: dt.date | None, end: dt.date | None) -> Period:
    if start is None or end is None:
        raise PeriodError(_l("Give both the first and the last day."))
    for day in (start, end):
        if not EARLIEST <= day <= LATEST:
            raise PeriodError(_l("Choose dates between 2000 and 2100."))
    if end < start:
        raise PeriodError(_l("The last day is before the first day."))
    if (end - start).days + 1 > MAX_CUSTOM_DAYS:
        raise PeriodError(_l("A custom range may cover at most three years."))
    return Period("custom", start, end)


_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^FY(\d{4})$"), "fy"),
    (re.compile(r"^(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})$"), "custom"),
]


@lru_cache(maxsize=256)
def parse(key: str) -> Period:
    """A period from its key; PeriodError when it is not one. (Kept per
    key, at most 256: a report names each card's target period; a Period
    never changes.)"""
    key = (key or "").strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(key)
        if not match:
            continue
        try:
            if kind == "custom":
                return custom(dt.date.fromisoformat(match[1]), dt.date.fromisoformat(match[2]))
            year = int(match[1])
            if not EARLIEST.year <= year <= LATEST.year:
                break
            if kind == "month":
                return containing("month", dt.date(year, int(match[2]), 1))
            if kind == "quarter":
                return containing("quarter", dt.date(year, 3 * int(match[2]) - 2, 1))
            return containing(kind, dt.date(year, 7 if kind == "fy" else 1, 1))
        except ValueError:
            break
    raise PeriodError(_l("This is not a period Kituo knows."))


def current(kind: str, today: dt.date) -> Period:
    return containing(kind, today)


def last_complete(kind: str, today: dt.date) -> Period:
    """The last period of this kind that has ended ("last quarter")."""
    return containing(kind, today).previous()

"""Kenya's public holidays: the one list every module uses.

    from app.counselling.holidays import holidays_between
    closed = holidays_between(dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    # {2025-12-12, 2025-12-25, 2025-12-26}

`holidays_between(first, last)` is the public function for other modules
(counselling's free slots, loans moving a due date off a holiday, education
skipping holidays when it generates class sessions). It reads the list the
coordinator keeps on the counselling settings page: the fixed holidays of
the Public Holidays Act (labels.KENYA_FIXED_HOLIDAYS, in every database
from init-db), one-off dates added there (the moveable feasts, a holiday
the government declares), each of which can be switched off. A holiday on
a Sunday is also observed on the Monday after (Public Holidays Act, s. 3).
"""
from __future__ import annotations

import datetime as dt

from app.i18n import lazy_gettext as _l

from app import audit
from app.counselling.models import Holiday
from app.db import db
from app.rules import RuleError

NAME_MAX = Holiday.name.max_length


def holidays_between(first: dt.date, last: dt.date) -> set[dt.date]:
    """The dates in [first, last] (both included) on which the centre is
    closed for a public holiday; empty when last < first."""
    if last < first:
        return set()
    found: set[dt.date] = set()
    for row in Holiday.select(Holiday.month, Holiday.day, Holiday.year).where(
            Holiday.active == True):  # noqa: E712
        found |= closed_days(row, first, last)
    return found


def closed_days(holiday: Holiday, first: dt.date, last: dt.date) -> set[dt.date]:
    """The dates in [first, last] that `holiday` closes the centre on,
    active or not: its date in each year, and the Monday after when that
    date is a Sunday."""
    found: set[dt.date] = set()
    for year in range(first.year, last.year + 1):
        if holiday.year not in (None, year):
            continue
        try:
            day = dt.date(year, holiday.month, holiday.day)
        except ValueError:      # 29 February in a common year
            continue
        found.add(day)
        if day.weekday() == 6:
            found.add(day + dt.timedelta(days=1))
    return {d for d in found if first <= d <= last}


def holiday_list() -> list[Holiday]:
    """Every holiday for the settings page: yearly ones first, by date."""
    return list(Holiday.select().order_by(Holiday.year.is_null(False), Holiday.month,
                                          Holiday.day))


def add_holiday(name: str, day: dt.date, every_year: bool, actor=None) -> Holiday:
    name = (name or "").strip()
    if not name:
        raise RuleError(_l("Give the holiday a name."), "name")
    from app.counselling.services import slots_changed
    with db.atomic():
        row = Holiday.create(name=name[:NAME_MAX], month=day.month, day=day.day,
                             year=None if every_year else day.year)
        slots_changed()
        audit.record("counselling.holiday_added", "holiday", row.id, actor=actor)
    return row


def set_holiday_active(holiday: Holiday, active: bool, actor=None) -> None:
    from app.counselling.services import slots_changed
    with db.atomic():
        holiday.active = active
        holiday.save(only=[Holiday.active])
        slots_changed()
        audit.record("counselling.holiday_" + ("on" if active else "off"), "holiday",
                     holiday.id, actor=actor)

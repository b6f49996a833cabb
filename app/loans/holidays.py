"""Kenyan public holidays for due dates: the list the counselling module
keeps (admins add the moveable ones there each year)."""
from __future__ import annotations

import datetime as dt
from typing import Callable

from app.counselling.services import holidays_between

MARGIN = dt.timedelta(days=31)    # a due date moved past a run of holidays


def holiday_checker(first: dt.date, last: dt.date) -> Callable[[dt.date], bool]:
    """is_holiday(day) for days from `first` to a month after `last`."""
    return holidays_between(first, last + MARGIN).__contains__

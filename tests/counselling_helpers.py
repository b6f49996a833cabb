"""Builders for counselling tests."""
from __future__ import annotations

import datetime as dt

from app.clock import NAIROBI, to_utc, today
from app.counselling import services
from tests.factories import make_member, make_user  # noqa: F401  (counselling tests import both here)


def counsellor_every_day(start=dt.time(9), end=dt.time(17), username=None, room="Room 1"):
    """A counsellor available every day (so tests do not depend on today)."""
    person = make_user("counsellor", username=username)
    for weekday in range(7):
        services.add_template(person, weekday, start, end, room=room)
    return person


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return to_utc(dt.datetime.combine(day, dt.time(hour, minute), NAIROBI))


def days_ahead(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def no_holidays():
    from app.counselling.models import Holiday
    services.ensure_defaults()
    Holiday.update(active=False).execute()

"""Template filters: money in KES minor units, dates in Africa/Nairobi."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_datetime, gettext as _

NAIROBI = ZoneInfo("Africa/Nairobi")


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """Stored naive UTC -> aware Africa/Nairobi."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(NAIROBI)


def local_datetime(value, fmt: str = "short") -> str:
    if value is None:
        return "—"
    # flask-babel converts naive values from UTC to BABEL_DEFAULT_TIMEZONE.
    return format_datetime(value, fmt)


def local_date(value, fmt: str = "medium") -> str:
    return "—" if value is None else format_date(value, fmt)


def money(cents: int | None) -> str:
    if cents is None:
        return "—"
    amount = (Decimal(cents) / 100).quantize(Decimal("0.01"))
    return f"KES {amount:,.2f}"


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def init_app(app) -> None:
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(money, "money")
    app.add_template_filter(yes_no, "yes_no")

"""Template filters: money in KES minor units, dates in Africa/Nairobi
(the zone and conversions are app.clock's)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from babel import dates
from flask_babel import get_locale
from markupsafe import Markup

from app.clock import NAIROBI, to_local
from app.i18n import gettext as _


def local_datetime(value, fmt: str = "short") -> str:
    """A stored (naive UTC) or aware datetime, in Nairobi time, in the
    page's locale. Babel directly: flask-babel's wrapper doubles the cost."""
    if value is None:
        return "—"
    return _moment(to_local(value), fmt, str(get_locale()))


@lru_cache(maxsize=1024)
def _moment(value: dt.datetime, fmt: str, locale: str) -> str:
    """Babel's formatting of a Nairobi moment: pages show the same moments
    again and again (a class's sessions on its page, the register and the
    agenda; a loan's entries), and babel takes ~40 us for each. At most
    1,024 kept (~250 KB at most per process: the Pi's memory budget)."""
    return dates.format_datetime(value, fmt, tzinfo=NAIROBI, locale=locale)


def local_date(value, fmt: str = "medium") -> str:
    """A date (or the Nairobi day of a stored datetime) in the page's locale."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    return _day(value, fmt, str(get_locale()))


@lru_cache(maxsize=4096)
def _day(value: dt.date, fmt: str, locale: str) -> str:
    """Babel's formatting of a day: a list shows the same few days many times."""
    return dates.format_date(value, fmt, locale=locale)


def local_time(value, fmt: str = "short") -> str:
    """The time of day in the page's locale (09:00): of a stored (naive
    UTC) datetime in Nairobi time, or of a wall-clock time as it is."""
    if value is None:
        return "—"
    clock = value if isinstance(value, dt.time) else to_local(value)
    return _time_of_day(clock.hour, clock.minute, clock.second, fmt, str(get_locale()))


@lru_cache(maxsize=1024)
def _time_of_day(hour: int, minute: int, second: int, fmt: str, locale: str) -> str:
    """Babel's formatting of a time of day: a page shows the same few times
    (a slot list, an agenda) many times over."""
    return dates.format_time(dt.time(hour, minute, second), fmt, locale=locale)
def day_label(value) -> str:
    """The one way a member's pages name a day: "Today", "Tomorrow", else
    the weekday and date ("Sat 5 Dec"; "Jumamosi 5 Des" in Swahili)."""
    from app.clock import today as local_today
    day = to_local(value).date() if isinstance(value, dt.datetime) else value
    today = local_today()
    if day == today:
        return _("Today")
    if day == today + dt.timedelta(days=1):
        return _("Tomorrow")
    pattern = "EEE d MMM" if day.year == today.year else "EEE d MMM y"
    return _day(day, pattern, str(get_locale()))      # Babel once per day and locale


def when(value) -> str:
    """A moment on a member's pages: day_label and the Nairobi time,
    "Tomorrow, 10:00" / "Sat 5 Dec, 10:00"."""
    if value is None:
        return "—"
    local = to_local(value)
    return f"{day_label(local.date())}, {local:%H:%M}"


def local_datetime_iso(value: str | None, fmt: str = "short") -> str:
    """local_datetime of an ISO text (exports keep times as UTC ISO text)."""
    return local_datetime(dt.datetime.fromisoformat(value), fmt) if value else "—"


def money(cents: int | None) -> str:
    if cents is None:
        return "—"
    amount = (Decimal(cents) / 100).quantize(Decimal("0.01"))
    return f"KES {amount:,.2f}"


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def code_tag(code: str, name: str | None = None) -> Markup:
    """A member's code as one unbreakable word (`.code` in app.css: never
    "AZ-/0201" on a phone), with their preferred name after it when given,
    as Member.display reads. Both are escaped; the result is Markup, so it
    can go into a translated sentence (`_("Consent of %(code)s",
    code=code_tag(member.code))`) without being escaped twice."""
    tag = Markup('<span class="code">{}</span>').format(code)
    return tag + Markup(" · {}").format(name) if name else tag


def init_app(app) -> None:
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(local_time, "time")
    app.add_template_filter(local_datetime_iso, "datetime_iso")
    app.add_template_filter(day_label, "day_label")
    app.add_template_filter(when, "when")
    app.add_template_filter(money, "money")
    app.add_template_filter(yes_no, "yes_no")
    app.add_template_global(code_tag, "code_tag")
    app.add_template_filter(code_tag, "code_tag")         # map("code_tag") over a list

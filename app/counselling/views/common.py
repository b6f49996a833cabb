"""What several counselling pages share: reading dates and times from a
request, and finding a member by the code staff type."""
from __future__ import annotations

import datetime as dt

from app.counselling.services import CounsellingError
from app.i18n import lazy_gettext as _l
from app.members.models import Member


def parse_start(value) -> dt.datetime | None:
    """A slot's start as the pages send it (ISO, naive UTC), else None."""
    try:
        return dt.datetime.fromisoformat(str(value or ""))
    except ValueError:
        return None


def parse_day(value, default: dt.date) -> dt.date:
    """A date from a query argument (ISO), else `default`."""
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def member_by_code(code: str) -> Member | None:
    code = (code or "").strip().upper()
    return Member.get_or_none(Member.code == code) if code else None


def member_or_refuse(code: str) -> Member:
    """The member with this code, or a refusal next to the code field."""
    member = member_by_code(code)
    if member is None:
        raise CounsellingError(_l("No member has this code."), "member_code")
    return member

"""Overdue pairings: an hourly check (once per local day, catching up after
the Pi was off) flags active pairings with no session for
MENTORING_OVERDUE_DAYS; the lists and panels that show them."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from peewee import fn

from app import audit
from app.auth.models import User
from app.clock import to_local, utcnow
from app.db import Prepared, db
from app.members.models import Member
from app.mentorship.models import Pairing, TaskRun
from app.mentorship.services import overdue_days

OVERDUE_TASK = "mentorship.overdue"


def overdue_cutoff(on: dt.date) -> dt.date:
    return on - dt.timedelta(days=overdue_days())


def flag_overdue(on: dt.date) -> dict:
    """Flag active pairings with no session since the cutoff (counting from
    the start for a pairing without sessions); unflag the others. Works from
    dates, so a late run catches up on everything it missed."""
    cutoff = overdue_cutoff(on)
    last = fn.COALESCE(Pairing.last_session_on, Pairing.start_date)
    flagged = (Pairing.update(overdue_since=on)
               .where((Pairing.status == "active") & Pairing.overdue_since.is_null()
                      & (last < cutoff)).execute())
    cleared = (Pairing.update(overdue_since=None)
               .where((Pairing.status == "active") & Pairing.overdue_since.is_null(False)
                      & (last >= cutoff)).execute())
    return {"flagged": flagged, "cleared": cleared}


def check_is_due(last: dt.datetime | None, now: dt.datetime) -> bool:
    """Once per local day; a missed day (the Pi was off) is caught up at
    the next hourly run, and a clock that jumped back never blocks it."""
    if last is None or last > now:
        return True
    return to_local(last).date() < to_local(now).date()


def run_overdue_check_if_due(now: dt.datetime | None = None) -> dict | None:
    now = now or utcnow()
    with db.atomic():
        run, _created = TaskRun.get_or_create(name=OVERDUE_TASK)
        if not check_is_due(run.last_success_at, now):
            return None
        result = flag_overdue(to_local(now).date())
        run.last_success_at = now
        run.save(only=[TaskRun.last_success_at])
        audit.record("mentorship.overdue_check", "pairing", None,
                     f"flagged {result['flagged']}, cleared {result['cleared']}")
    return result


def last_overdue_check() -> dt.datetime | None:
    run = TaskRun.select(TaskRun.last_success_at).where(TaskRun.name == OVERDUE_TASK).first()
    return run.last_success_at if run else None


class OverdueRow(NamedTuple):
    id: int
    code: str
    preferred_name: str
    mentor_name: str


# The dashboard's panel (a key page): built once (app.db.Prepared; README,
# performance).
_overdue = Prepared(lambda param: (
    Pairing.select(Pairing.id, Member.code, Member.preferred_name,
                   User.display_name.alias("mentor_name"))
    .join(Member, on=(Pairing.mentee == Member.id))
    .switch(Pairing).join(User, on=(Pairing.mentor == User.id))
    .where((Pairing.status == "active") & Pairing.overdue_since.is_null(False))
    .order_by(fn.COALESCE(Pairing.last_session_on, Pairing.start_date))
    .limit(param("limit"))), row=OverdueRow)


def overdue_pairings(limit: int = 20) -> list[OverdueRow]:
    """Overdue active pairings, longest without a session first: what a
    list shows of each (mentee's code and preferred name, mentor's name)."""
    return _overdue.all(limit=limit)


def overdue_count() -> int:
    return Pairing.select().where(
        (Pairing.status == "active") & Pairing.overdue_since.is_null(False)).count()

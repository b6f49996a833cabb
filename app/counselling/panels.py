"""Dashboard panels (counts only, never a note or a name) and template
helpers."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from peewee import Case, fn

from app.access import user_can
from app.counselling import labels as L
from app.counselling import services
from app.counselling.models import ATTENDED, HOLDING, NO_SHOW, Booking, GroupSession, GroupSignup
from app.clock import today
from app.db import Prepared, utcnow
from app.figures import kept


def _session_figures(counsellor_id: int | None = None) -> dict:
    """This week's sessions and the last 30 days' attendance, of one
    counsellor or of everyone: one query over the bookings' time index."""
    monday = services.week_start(today())
    start, end = services.local_range(monday, monday + dt.timedelta(days=6))
    now = utcnow()
    since = now - dt.timedelta(days=30)
    in_week = (Booking.starts_at >= start) & (Booking.starts_at < end) & Booking.status.in_(HOLDING)
    recent = (Booking.starts_at >= since) & (Booking.starts_at < now)

    def how_many(condition):
        return fn.COALESCE(fn.SUM(Case(None, [(condition, 1)], 0)), 0)

    query = (Booking.select(how_many(in_week), how_many(recent & (Booking.status == ATTENDED)),
                            how_many(recent & (Booking.status == NO_SHOW)))
             .where((Booking.starts_at >= min(start, since)) & (Booking.starts_at < max(end, now))))
    if counsellor_id is not None:
        query = query.where(Booking.counsellor == counsellor_id)
    this_week, attended, no_shows = query.tuples().first()
    marked = attended + no_shows
    return {"this_week": this_week, "marked": marked, "no_shows": no_shows,
            "attendance_rate": round(100 * attended / marked) if marked else None}


def sessions_panel(user) -> dict:
    """The centre's figures for those who manage counselling (kept for a
    minute: app.figures), a counsellor's own otherwise (live)."""
    if user_can(user, "counselling.manage"):
        return {**kept("counselling.sessions", _session_figures), "own_only": False}
    return {**_session_figures(user.id), "own_only": True}


def _free_slot_counts(counsellor_ids: list[int]) -> dict[int, int]:
    """counsellor id -> free slots in the next 7 days."""
    now = utcnow()
    per = dict.fromkeys(counsellor_ids, 0)
    for slot in services.free_slots(counsellor_ids, now, now + dt.timedelta(days=7)):
        per[slot.counsellor_id] = per.get(slot.counsellor_id, 0) + 1
    return per


def capacity_panel(user) -> dict:
    """Free slots per counsellor in the next 7 days: every counsellor's
    counts kept for a minute (app.figures) for those who manage counselling,
    a counsellor's own live; names always live."""
    people = list(services.manageable_counsellors(user))
    ids = [p.id for p in people]
    if user_can(user, "counselling.manage"):
        per = kept("counselling.free_slots", lambda: _free_slot_counts(ids))
    else:
        per = _free_slot_counts(ids)
    return {"rows": [(p, per.get(p.id, 0)) for p in people]}


class Waiting(NamedTuple):
    id: int
    title: str
    starts_at: dt.datetime
    waiting: int


# A dashboard panel (a key page): built once (app.db.Prepared; README, performance).
_waitlists = Prepared(lambda param: (
    GroupSession.select(GroupSession.id, GroupSession.title, GroupSession.starts_at,
                        fn.COUNT(GroupSignup.id).alias("waiting"))
    .join(GroupSignup, on=(GroupSignup.session == GroupSession.id))
    .where((GroupSignup.status == GroupSignup.WAITLISTED)
           & GroupSession.cancelled_at.is_null()
           & (GroupSession.starts_at > param("now", GroupSession.starts_at)))
    .group_by(GroupSession.id).order_by(GroupSession.starts_at).limit(8)), row=Waiting)


def waitlists_panel(user) -> dict:
    return {"rows": _waitlists.all(now=utcnow())}


def template_helpers() -> dict:
    tables = {"status": L.STATUS_LABELS, "event": L.EVENT_LABELS, "risk": L.RISK_LABELS,
              "exception": L.EXCEPTION_LABELS, "signup": L.SIGNUP_LABELS,
              "cancel_reason": L.MEMBER_CANCEL_REASONS, "holiday": L.HOLIDAY_LABELS}

    def counselling_label(kind: str, key) -> str:
        return L.label(tables[kind], key)

    def weekday_name(index: int) -> str:
        return str(L.WEEKDAYS[index])

    return {"counselling_label": counselling_label, "weekday_name": weekday_name}

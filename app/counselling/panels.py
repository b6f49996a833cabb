"""Dashboard panels (counts only, never a note or a name) and template
helpers."""
from __future__ import annotations

import datetime as dt

from peewee import fn

from app.access import user_can
from app.counselling import labels as L
from app.counselling import services
from app.counselling.models import ATTENDED, HOLDING, NO_SHOW, Booking, GroupSession, GroupSignup
from app.clock import today
from app.db import utcnow


def _scoped(query, user):
    if user_can(user, "counselling.manage"):
        return query
    return query.where(Booking.counsellor == user.id)


def sessions_panel(user) -> dict:
    monday = services.week_start(today())
    start, end = services.local_range(monday, monday + dt.timedelta(days=6))
    this_week = _scoped(Booking.select().where(
        (Booking.starts_at >= start) & (Booking.starts_at < end)
        & Booking.status.in_(HOLDING)), user).count()
    now = utcnow()
    rows = _scoped(Booking.select(Booking.status, fn.COUNT(Booking.id).alias("n")).where(
        (Booking.starts_at >= now - dt.timedelta(days=30)) & (Booking.starts_at < now)
        & Booking.status.in_([ATTENDED, NO_SHOW])), user).group_by(Booking.status)
    counts = {row.status: row.n for row in rows}
    marked = counts.get(ATTENDED, 0) + counts.get(NO_SHOW, 0)
    rate = round(100 * counts.get(ATTENDED, 0) / marked) if marked else None
    return {"this_week": this_week, "attendance_rate": rate, "marked": marked,
            "no_shows": counts.get(NO_SHOW, 0), "own_only": not user_can(user,
                                                                        "counselling.manage")}


def capacity_panel(user) -> dict:
    """Free slots per counsellor in the next 7 days."""
    people = list(services.manageable_counsellors(user))
    now = utcnow()
    free = services.free_slots([p.id for p in people], now, now + dt.timedelta(days=7))
    per = {p.id: 0 for p in people}
    for slot in free:
        per[slot.counsellor_id] = per.get(slot.counsellor_id, 0) + 1
    return {"rows": [(p, per.get(p.id, 0)) for p in people]}


def waitlists_panel(user) -> dict:
    rows = (GroupSession.select(GroupSession, fn.COUNT(GroupSignup.id).alias("waiting"))
            .join(GroupSignup, on=(GroupSignup.session == GroupSession.id))
            .where((GroupSignup.status == GroupSignup.WAITLISTED)
                   & GroupSession.cancelled_at.is_null() & (GroupSession.starts_at > utcnow()))
            .group_by(GroupSession.id).order_by(GroupSession.starts_at).limit(8))
    return {"rows": list(rows)}


def template_helpers() -> dict:
    tables = {"status": L.STATUS_LABELS, "event": L.EVENT_LABELS, "risk": L.RISK_LABELS,
              "exception": L.EXCEPTION_LABELS, "signup": L.SIGNUP_LABELS,
              "cancel_reason": L.MEMBER_CANCEL_REASONS, "holiday": L.HOLIDAY_LABELS}

    def counselling_label(kind: str, key) -> str:
        return L.label(tables[kind], key)

    def weekday_name(index: int) -> str:
        return str(L.WEEKDAYS[index])

    return {"counselling_label": counselling_label, "weekday_name": weekday_name}

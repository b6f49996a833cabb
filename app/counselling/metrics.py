"""Counselling's figures for the reports (Metric hook, app/registry.py):
one-to-one sessions held and attended, group sessions and their
attendance, and the people reached. Never anything from session notes."""
from __future__ import annotations

from app.counselling.models import ATTENDED, HOLDING, Booking, GroupSession, GroupSignup
from app.i18n import lazy_gettext as _l
from app.registry import BREAKDOWNS, EVENTS, PEOPLE, Metric, Programme, QualityCheck

SOURCES = ((Booking, ("starts_at",)), (GroupSession, ("starts_at",)),
           (GroupSignup, ("created_at", "cancelled_at")))


def sessions_held(period, scope):
    """One-to-one sessions in the period that were not cancelled."""
    query = Booking.select().where(period.contains(Booking.starts_at)
                                   & Booking.status.in_(HOLDING))
    return scope.count(query, member=Booking.member)


def sessions_attended(period, scope):
    """One-to-one sessions in the period the member came to."""
    query = Booking.select().where(period.contains(Booking.starts_at)
                                   & (Booking.status == ATTENDED))
    return scope.count(query, member=Booking.member)


def group_sessions(period, scope):
    """Group sessions that took place (not cancelled) in the period."""
    query = GroupSession.select().where(period.contains(GroupSession.starts_at)
                                        & GroupSession.cancelled_at.is_null())
    return scope.count(query)


def _attended_seats(period):
    return (GroupSignup.select(GroupSignup.member.alias("member_id"))
            .join(GroupSession)
            .where(period.contains(GroupSession.starts_at) & GroupSession.cancelled_at.is_null()
                   & (GroupSignup.attended == True)))  # noqa: E712


def group_attendances(period, scope):
    """Places taken at group sessions in the period by members who came."""
    return scope.count(_attended_seats(period), member="member_id")


def _attended_sessions(period):
    return (Booking.select(Booking.member.alias("member_id"))
            .where(period.contains(Booking.starts_at) & (Booking.status == ATTENDED)))


def people_reached(period, scope):
    """Members who came to a one-to-one or a group session in the period."""
    return scope.count(_attended_sessions(period) | _attended_seats(period), member="member_id")


def programme_members(period):
    """Members with a session (held or booked) or a group place in the period."""
    booked = (Booking.select(Booking.member)
              .where(period.contains(Booking.starts_at) & Booking.status.in_(HOLDING)))
    seats = (GroupSignup.select(GroupSignup.member).join(GroupSession)
             .where(period.contains(GroupSession.starts_at)
                    & (GroupSignup.status == GroupSignup.BOOKED)))
    return booked | seats


METRICS = [
    Metric("counselling.sessions_held", _l("One-to-one sessions held"), _l("sessions"), EVENTS,
           sessions_held, BREAKDOWNS, sources=SOURCES, order=20),
    Metric("counselling.sessions_attended", _l("One-to-one sessions attended"), _l("sessions"),
           EVENTS, sessions_attended, BREAKDOWNS, sources=SOURCES, order=21),
    Metric("counselling.group_sessions", _l("Group sessions held"), _l("sessions"), EVENTS,
           group_sessions, (), sources=SOURCES, order=22),
    Metric("counselling.group_attendances", _l("Places taken at group sessions"),
           _l("places"), EVENTS, group_attendances, BREAKDOWNS, sources=SOURCES, order=23),
    Metric("counselling.people_reached", _l("People reached by mental-health support"),
           _l("people"), PEOPLE, people_reached, BREAKDOWNS, sources=SOURCES, order=24),
]
PROGRAMMES = [Programme("counselling", _l("Mental-health support"), programme_members, 20)]


# --- data quality (QualityCheck hook) -------------------------------------------

def _unmarked_bookings():
    from app.clock import utcnow
    return Booking.select().where((Booking.status == "booked") & (Booking.ends_at < utcnow()))


def _unmarked_groups():
    from app.clock import utcnow
    waiting = (GroupSignup.select(GroupSignup.session)
               .where((GroupSignup.status == GroupSignup.BOOKED) & GroupSignup.attended.is_null()))
    return GroupSession.select().where(GroupSession.cancelled_at.is_null()
                                       & (GroupSession.ends_at < utcnow())
                                       & GroupSession.id.in_(waiting))


def unmarked_count() -> int:
    return _unmarked_bookings().count() + _unmarked_groups().count()


def unmarked_items(limit: int) -> list:
    from flask import url_for

    from app.filters import local_datetime
    from app.i18n import gettext as _
    items = [(_("One-to-one session, %(when)s", when=local_datetime(b.starts_at)),
              url_for("counselling.booking", booking_id=b.id))
             for b in _unmarked_bookings().order_by(Booking.starts_at.desc()).limit(limit)]
    items += [(_("Group session, %(when)s", when=local_datetime(g.starts_at)),
               url_for("counselling.group", session_id=g.id))
              for g in _unmarked_groups().order_by(GroupSession.starts_at.desc())
              .limit(max(0, limit - len(items)))]
    return items


def unmarked_monthly(start, end) -> dict:
    """Past one-to-one sessions of each month: how many have attendance."""
    import peewee as pw

    from app.clock import utcnow
    from app.db import month_of
    month = month_of(Booking.starts_at, utc_offset_hours=3)
    marked = pw.Case(None, [(Booking.status != "booked", 1)], 0)
    rows = (Booking.select(month, pw.fn.SUM(marked), pw.fn.COUNT(Booking.id))
            .where(Booking.status.in_(HOLDING) & (Booking.ends_at < utcnow())
                   & (Booking.starts_at >= start) & (Booking.starts_at <= end))
            .group_by(month).tuples())
    return {m: (int(c or 0), int(t)) for m, c, t in rows}


QUALITY_CHECKS = [
    QualityCheck("counselling.unmarked", _l("Past sessions without attendance"),
                 _l("Mental-health support"), unmarked_count, unmarked_items,
                 "counselling.book", unmarked_monthly, order=20),
]

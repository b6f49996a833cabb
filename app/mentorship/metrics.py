"""Mentorship's figures for the reports (Metric hook, app/registry.py):
active pairings, the people mentored, sessions logged and goals achieved.
Never the text of a log or a goal."""
from __future__ import annotations

from app.i18n import lazy_gettext as _l
from app.mentorship.models import Goal, GoalNote, Pairing, SessionLog
from app.registry import BREAKDOWNS, EVENTS, PEOPLE, Metric, Programme, QualityCheck

STARTED = ("active", "completed", "ended")
SOURCES = ((Pairing, ("start_date", "end_date")), (SessionLog, ("held_on",)),
           (GoalNote, ("at",)))


def _active_in(period):
    return (Pairing.select().where(Pairing.status.in_(STARTED)
                                   & period.overlaps(Pairing.start_date, Pairing.end_date)))


def active_pairings(period, scope):
    """Pairings that were running at some time in the period."""
    return scope.count(_active_in(period), member=Pairing.mentee)


def people_mentored(period, scope):
    """Members who had a mentor at some time in the period."""
    return scope.count(_active_in(period), member=Pairing.mentee)


def sessions_logged(period, scope):
    """Mentoring sessions held in the period (from the session log)."""
    query = SessionLog.select().join(Pairing).where(period.contains(SessionLog.held_on))
    return scope.count(query, member=Pairing.mentee)


def goals_achieved(period, scope):
    """Mentees' goals marked achieved in the period (each goal once)."""
    achieved = GoalNote.select(GoalNote.goal).where(
        (GoalNote.status == "achieved") & period.contains(GoalNote.at))
    query = Goal.select().join(Pairing).where(Goal.id.in_(achieved))
    return scope.count(query, member=Pairing.mentee)


def programme_members(period):
    return _active_in(period).select(Pairing.mentee)


METRICS = [
    Metric("mentorship.active_pairings", _l("Active mentoring pairings"), _l("pairings"),
           EVENTS, active_pairings, BREAKDOWNS, sources=SOURCES, order=30),
    Metric("mentorship.people_mentored", _l("Members with a mentor"), _l("people"), PEOPLE,
           people_mentored, BREAKDOWNS, sources=SOURCES, order=31),
    Metric("mentorship.sessions_logged", _l("Mentoring sessions logged"), _l("sessions"),
           EVENTS, sessions_logged, BREAKDOWNS, sources=SOURCES, order=32),
    Metric("mentorship.goals_achieved", _l("Mentoring goals achieved"), _l("goals"), EVENTS,
           goals_achieved, BREAKDOWNS, sources=SOURCES + ((Goal, ("created_at",)),), order=33),
]
PROGRAMMES = [Programme("mentorship", _l("Leadership and mentorship"), programme_members, 40)]


# --- data quality (QualityCheck hook) -------------------------------------------
QUIET_DAYS = 60


def _quiet_pairings():
    import datetime as dt

    from app.clock import today
    cutoff = today() - dt.timedelta(days=QUIET_DAYS)
    return Pairing.select().where(
        (Pairing.status == "active")
        & ((Pairing.last_session_on < cutoff)
           | (Pairing.last_session_on.is_null() & (Pairing.start_date < cutoff))))


def quiet_count() -> int:
    return _quiet_pairings().count()


def quiet_items(limit: int) -> list:
    from flask import url_for

    from app.i18n import gettext as _
    from app.members.models import Member
    rows = (_quiet_pairings().select(Pairing.id, Member.code, Pairing.last_session_on)
            .join(Member, on=(Pairing.mentee == Member.id))
            .order_by(Pairing.last_session_on.asc(nulls="first")).limit(limit).tuples())
    return [(_("%(code)s: no session logged since %(when)s", code=code,
               when=last.isoformat() if last else "—"),
             url_for("mentorship.show_pairing", pairing_id=pid)) for pid, code, last in rows]


QUALITY_CHECKS = [
    QualityCheck("mentorship.quiet", _l("Mentoring pairings without a session log for 60 days"),
                 _l("Mentoring"), quiet_count, quiet_items, "mentorship.manage", order=30),
]

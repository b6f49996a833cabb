"""Education's figures for the reports (Metric hook, app/registry.py; the
seeded Objective 2 indicators name these keys): enrolments, attendance
(attended out of expected), completions, certificates, scholarships
awarded, placements and people still in work at 6 months. Counts only;
never a name, a note or a result text."""
from __future__ import annotations

import peewee as pw

from app.education.models import (
    ATTENDED, HOLDING, Attendance, Certificate, ClassSession, Enrolment, TrainingClass)
from app.education.support_models import Application, FollowUp, Opportunity, Placement
from app.i18n import lazy_gettext as _l
from app.registry import BREAKDOWNS, EVENTS, PEOPLE, Metric, Programme, QualityCheck

CAPABILITY = "reports.education"
SCHOLARSHIP_KINDS = ("scholarship", "bursary")
# A register mark is made after its session (corrections much later): its
# own dates cannot place it in the session's period, so any change to the
# marks clears every period's kept figures.
SOURCES = ((Enrolment, ("created_at", "promoted_at", "ended_at", "completed_on")),
           (Attendance, ("*",)), (ClassSession, ("starts_at", "cancelled_at")))


def _enrolled_on():
    """When the member got the place: moved up from the waiting list, or enrolled."""
    return pw.fn.COALESCE(Enrolment.promoted_at, Enrolment.created_at)


def enrolments(period, scope):
    """Places taken in the period (not waiting, not withdrawn); a member in
    two courses counts twice."""
    on = _enrolled_on()
    query = Enrolment.select().where(Enrolment.status.in_(HOLDING)
                                     & (on >= period.utc_start) & (on < period.utc_end))
    return scope.count(query, member=Enrolment.member)


def _marks(period, statuses):
    return (Attendance.select().join(ClassSession)
            .switch(Attendance).join(Enrolment)
            .where(period.contains(ClassSession.starts_at) & ClassSession.cancelled_at.is_null()
                   & Attendance.status.in_(statuses)))


def attended(period, scope):
    """Register marks "present" or "late" at sessions in the period."""
    return scope.count(_marks(period, ATTENDED), member=Enrolment.member)


def expected(period, scope):
    """Register marks at sessions in the period, excused absences left out
    (the attendance rate is attended out of these)."""
    return scope.count(_marks(period, ATTENDED + ("absent",)), member=Enrolment.member)


def completions(period, scope):
    """Courses completed (confirmed by the trainer) in the period."""
    query = Enrolment.select().where((Enrolment.status == "completed")
                                     & period.contains(Enrolment.completed_on))
    return scope.count(query, member=Enrolment.member)


def certificates(period, scope):
    """Certificates issued in the period and not revoked."""
    query = (Certificate.select().join(Enrolment)
             .where(period.contains(Certificate.issued_at) & Certificate.revoked_at.is_null()))
    return scope.count(query, member=Enrolment.member)


def scholarships(period, scope):
    """Scholarships and bursaries awarded (the application's last change in
    the period is the award: applications keep no separate award date)."""
    query = (Application.select().join(Opportunity)
             .where((Application.status == "awarded")
                    & Opportunity.kind.in_(SCHOLARSHIP_KINDS)
                    & period.contains(Application.updated_at)))
    return scope.count(query, member=Application.member)


def placements(period, scope):
    """Members who started work (a job, an internship, their own business) in the period."""
    query = Placement.select().where(period.contains(Placement.start_date))
    return scope.count(query, member=Placement.member)


def employed_6_months(period, scope):
    """Members whose six-month follow-up, due in the period, says they are still working."""
    query = (FollowUp.select().join(Placement)
             .where((FollowUp.months == 6) & (FollowUp.still_working == True)  # noqa: E712
                    & period.contains(FollowUp.due_on)))
    return scope.count(query, member=Placement.member)


def programme_members(period):
    """Members with a place in a class that ran during the period."""
    return (Enrolment.select(Enrolment.member).join(TrainingClass)
            .where(Enrolment.status.in_(HOLDING) & TrainingClass.cancelled_at.is_null()
                   & period.overlaps(TrainingClass.start_date, TrainingClass.end_date)))


def _metric(key, label, unit, counts, compute, sources, order):
    return Metric(f"education.{key}", label, unit, counts, compute, BREAKDOWNS,
                  capability=CAPABILITY, sources=sources, order=order)


_APPLICATIONS = ((Application, ("created_at", "updated_at")),)
_PLACEMENTS = ((Placement, ("start_date", "ended_on")), (FollowUp, ("due_on", "answered_at")))
METRICS = [
    _metric("enrolments", _l("Enrolments in courses"), _l("enrolments"), EVENTS, enrolments,
            SOURCES, 60),
    _metric("attended", _l("Class attendances"), _l("attendances"), EVENTS, attended,
            SOURCES, 61),
    _metric("expected", _l("Class attendances expected"), _l("attendances"), EVENTS, expected,
            SOURCES, 62),
    _metric("completions", _l("Courses completed"), _l("completions"), EVENTS, completions,
            SOURCES, 63),
    _metric("certificates", _l("Certificates issued"), _l("certificates"), EVENTS,
            certificates, SOURCES + ((Certificate, ("issued_at", "revoked_at")),), 64),
    _metric("scholarships", _l("Scholarships and bursaries awarded"), _l("awards"), EVENTS,
            scholarships, _APPLICATIONS, 65),
    _metric("placements", _l("Members placed in work"), _l("people"), PEOPLE, placements,
            _PLACEMENTS, 66),
    _metric("employed_6_months", _l("Members still in work at 6 months"), _l("people"), PEOPLE,
            employed_6_months, _PLACEMENTS, 67),
]
PROGRAMMES = [Programme("education", _l("Education and skills training"), programme_members, 30)]


# --- data quality (QualityCheck hook) -------------------------------------------

def _past_sessions():
    """Sessions that ended (not cancelled, in a class not cancelled) with
    someone on the class's roster: each should have its register taken."""
    from app.clock import utcnow
    from app.education.attendance import ON_ROSTER
    roster = Enrolment.select(Enrolment.klass).where(Enrolment.status.in_(ON_ROSTER))
    return (ClassSession.select().join(TrainingClass)
            .where(ClassSession.cancelled_at.is_null() & TrainingClass.cancelled_at.is_null()
                   & (ClassSession.ends_at < utcnow()) & TrainingClass.id.in_(roster)))


def _unregistered():
    """Past sessions without a register: their attendance is missing from every figure."""
    return _past_sessions().where(ClassSession.register_taken_at.is_null())


def unregistered_count() -> int:
    return _unregistered().count()


def unregistered_items(limit: int) -> list:
    from flask import url_for

    from app.education.models import Course
    from app.filters import local_datetime
    from app.i18n import gettext as _
    from app.i18n import lang_code
    language = lang_code()
    rows = (_unregistered().select(ClassSession.id, ClassSession.starts_at, TrainingClass.id,
                                   Course.title_en, Course.title_sw)
            .switch(TrainingClass).join(Course)
            .order_by(ClassSession.starts_at.desc()).limit(limit))
    return [(_("%(course)s, %(when)s", course=row.klass.course.title(language),
               when=local_datetime(row.starts_at)),
             url_for("education.register", session_id=row.id)) for row in rows]


def unregistered_monthly(start, end) -> dict:
    """Past sessions of each month (in Nairobi) from `start` to `end`
    (dates): how many have their register taken."""
    import datetime as dt

    from app.db import month_of
    from app.education.timetable import to_utc
    month = month_of(ClassSession.starts_at, utc_offset_hours=3)
    taken = pw.Case(None, [(ClassSession.register_taken_at.is_null(False), 1)], 0)
    rows = (_past_sessions()
            .where((ClassSession.starts_at >= to_utc(start, dt.time(0)))
                   & (ClassSession.starts_at < to_utc(end + dt.timedelta(days=1), dt.time(0))))
            .select(month, pw.fn.SUM(taken), pw.fn.COUNT(ClassSession.id))
            .group_by(month).tuples())
    return {m: (int(c or 0), int(t)) for m, c, t in rows}


QUALITY_CHECKS = [
    QualityCheck("education.unregistered", _l("Past class sessions without a register"),
                 _l("Education"), unregistered_count, unregistered_items, "education.manage",
                 unregistered_monthly, order=25),
]

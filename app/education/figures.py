"""Figures: the dashboard panels of trainers and coordinators and the
aggregate CSV exports (counts only, never a person; counts under 5 are
shown as "<5" because the files leave the centre)."""
from __future__ import annotations

import csv
import datetime as dt
import io

from peewee import Case, fn

from app.clock import utcnow
from app.education import attendance, employment, opportunities
from app.education.models import (
    ATTENDED, Attendance, ClassSession, Course, Enrolment, ProgrammeArea, TrainingClass)
from app.education.support_models import Application, FollowUp, Placement
from app.members.models import Member
from app.figures import kept
from app.rules import today

SMALL = 5


def suppress(n: int) -> str:
    return "<5" if 0 < n < SMALL else str(n)


def start_of_today_utc() -> dt.datetime:
    from app.education.timetable import to_utc
    return to_utc(today(), dt.time(0))


# --- panels --------------------------------------------------------------------------------

def trainer_today(user) -> dict:
    """A trainer's sessions today, and the registers of the last 7 days not taken."""
    start = start_of_today_utc()
    today_rows = list(attendance.sessions_for_trainer(user, start, start + dt.timedelta(days=1)))
    missing = [s for s in attendance.sessions_for_trainer(
        user, start - dt.timedelta(days=attendance.EDIT_DAYS), start)
        if s.register_taken_at is None]
    return {"today": today_rows, "missing": missing}


def classes_running() -> int:
    return (TrainingClass.select().where(TrainingClass.cancelled_at.is_null()
                                         & (TrainingClass.start_date <= today())
                                         & (TrainingClass.end_date >= today())).count())


def completion_rate(months: int = 12) -> tuple[int, int]:
    """(completed, ended) among enrolments that ended in the last `months`."""
    since = utcnow() - dt.timedelta(days=months * 30)
    ended = Enrolment.select().where(Enrolment.status.in_(("completed", "did_not_complete"))
                                     & (Enrolment.ended_at >= since))
    return (ended.where(Enrolment.status == "completed").count(), ended.count())


def _centre_figures() -> dict:
    done, ended = completion_rate()
    return {"running": classes_running(), "completed": done, "ended": ended,
            "rate": round(100 * done / ended) if ended else None,
            "follow_ups": employment.due_count(),
            "applications": opportunities.open_applications_count()}


def coordinator_panel(user) -> dict:
    """The centre's education figures (kept for a minute: app.figures)."""
    return kept("education.figures", _centre_figures)


def deadlines_panel(user) -> dict:
    return {"rows": opportunities.deadlines_soon(), "days": opportunities.DEADLINE_DAYS}


def follow_ups_panel(user) -> dict:
    rows = employment.due_follow_ups(6, FollowUp.id, FollowUp.months, Placement.id, Member.id,
                                     Member.code, Member.preferred_name)
    return {"rows": list(rows),
            "count": coordinator_panel(user)["follow_ups"]}


# --- exports -------------------------------------------------------------------------------

def _csv(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def courses_csv(first: dt.date, last: dt.date) -> str:
    """Per programme area and course, classes starting in [first, last]:
    classes, enrolled, completed, did not complete, attendance rate."""
    in_range = ((TrainingClass.start_date >= first) & (TrainingClass.start_date <= last)
                & TrainingClass.cancelled_at.is_null())
    classes = dict(TrainingClass.select(TrainingClass.course, fn.COUNT(TrainingClass.id))
                   .where(in_range).group_by(TrainingClass.course).tuples())
    people: dict[int, dict[str, int]] = {}
    for course_id, status, n in (Enrolment.select(TrainingClass.course, Enrolment.status,
                                                  fn.COUNT(Enrolment.id))
                                 .join(TrainingClass).where(in_range)
                                 .group_by(TrainingClass.course, Enrolment.status).tuples()):
        people.setdefault(course_id, {})[status] = n
    came_marked = {course_id: (came or 0, marked or 0) for course_id, came, marked in (
        Attendance.select(TrainingClass.course,
                          fn.SUM(Case(None, [(Attendance.status.in_(ATTENDED), 1)], 0)),
                          fn.COUNT(Attendance.id))
        .join(Enrolment).join(TrainingClass).switch(Attendance).join(ClassSession)
        .where(in_range & (Attendance.status != "excused") & ClassSession.cancelled_at.is_null())
        .group_by(TrainingClass.course).tuples())}
    out = []
    for course in (Course.select(Course, ProgrammeArea).join(ProgrammeArea)
                   .where(Course.id.in_(list(classes) or [0]))
                   .order_by(ProgrammeArea.position, Course.title_en)):
        counts = people.get(course.id, {})
        came, marked = came_marked.get(course.id, (0, 0))
        out.append([course.area.name_en, course.title_en, classes[course.id],
                    suppress(sum(counts.get(s, 0) for s in ("enrolled", "completed",
                                                            "did_not_complete"))),
                    suppress(counts.get("completed", 0)), suppress(counts.get("did_not_complete", 0)),
                    f"{round(100 * came / marked)}%" if marked >= SMALL else ""])
    return _csv(["programme_area", "course", "classes", "enrolled", "completed",
                 "did_not_complete", "attendance_rate"], out)


def outcomes_csv(first: dt.date, last: dt.date) -> str:
    """Placements by kind and income band, scholarships and their amounts,
    and still working at 6 months, for the dates given."""
    out = []
    placements = (Placement.select(Placement.kind, Placement.income_band, fn.COUNT(Placement.id))
                  .where((Placement.start_date >= first) & (Placement.start_date <= last))
                  .group_by(Placement.kind, Placement.income_band).tuples())
    for kind, band, n in placements:
        out.append(["placement", kind, band, suppress(n), ""])
    six = (FollowUp.select(fn.COUNT(FollowUp.id),
                           fn.SUM(Case(None, [(FollowUp.still_working == True, 1)], 0)))  # noqa: E712
           .join(Placement).where((FollowUp.months == 6) & FollowUp.answered_at.is_null(False)
                                  & (Placement.start_date >= first)
                                  & (Placement.start_date <= last)).tuples().first())
    answered, working = six or (0, 0)
    out.append(["still_working_at_6_months", "", "", suppress(working or 0),
                suppress(answered or 0)])
    awards = (Application.select(fn.COUNT(Application.id),
                                 fn.COALESCE(fn.SUM(Application.awarded_cents), 0))
              .where((Application.status == "awarded")
                     & (Application.updated_at >= dt.datetime.combine(first, dt.time(0)))
                     & (Application.updated_at < dt.datetime.combine(
                         last + dt.timedelta(days=1), dt.time(0)))).tuples().first())
    count, cents = awards or (0, 0)
    out.append(["scholarships_awarded", "", "", suppress(count), f"{(cents or 0) / 100:.2f}"
                if count >= SMALL else ""])
    return _csv(["figure", "kind", "income_band", "count", "of_which_or_amount_kes"], out)

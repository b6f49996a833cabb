"""Progress per member and course: attendance share, units done, the
assessment, and completion — evaluated from the course's rules, never
typed in, and confirmed by the trainer (or a coordinator)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from peewee import fn

from app import audit
from app.clock import utcnow
from app.db import Prepared, db
from app.education.models import (
    ATTENDED, Attendance, ClassSession, Course, CourseUnit, Enrolment, TrainingClass, UnitDone)
from app.i18n import bilingual, lazy_gettext as _l
from app.rules import RuleError, today


@dataclass
class Evaluation:
    """Where an enrolment stands against its course's rules."""
    attended: int            # sessions present or late
    counted: int             # sessions marked (excused ones left out)
    planned: int             # sessions of the class, not cancelled
    min_pct: int
    units_done: int
    units_total: int
    required_missing: list = field(default_factory=list)   # units still to do
    assessment: str = "none"
    assessment_ok: bool = True

    @property
    def share_pct(self) -> int | None:
        return round(100 * self.attended / self.counted) if self.counted else None

    @property
    def attendance_ok(self) -> bool:
        if self.min_pct == 0:
            return True
        return self.counted > 0 and 100 * self.attended >= self.min_pct * self.counted

    @property
    def meets_rules(self) -> bool:
        return self.attendance_ok and not self.required_missing and self.assessment_ok

    @property
    def bar_pct(self) -> int:
        """How far through the course: sessions attended and units done out
        of those planned (the progress bar)."""
        total = self.planned + self.units_total
        return min(100, round(100 * (self.attended + self.units_done) / total)) if total else 0


# Progress is on the class page and the member's progress page, key pages
# (DESIGN §10): its four queries are built once per worker (app.db.Prepared;
# README, performance).

# (enrolment id, status, how many) of the marks of sessions not cancelled.
_attendance = Prepared(lambda param: (
    Attendance.select(Attendance.enrolment, Attendance.status, fn.COUNT(Attendance.id))
    .join(ClassSession)
    .where(Attendance.enrolment.in_(param("enrolments", Attendance.enrolment, many=True))
           & ClassSession.cancelled_at.is_null() & (Attendance.status != "excused"))
    .group_by(Attendance.enrolment, Attendance.status)))

# (class id, how many sessions not cancelled).
_planned = Prepared(lambda param: (
    ClassSession.select(ClassSession.klass, fn.COUNT(ClassSession.id))
    .where(ClassSession.klass.in_(param("classes", ClassSession.klass, many=True))
           & ClassSession.cancelled_at.is_null())
    .group_by(ClassSession.klass)))

# (enrolment id, unit id) of the units done.
_done = Prepared(lambda param: (
    UnitDone.select(UnitDone.enrolment, UnitDone.unit)
    .where(UnitDone.enrolment.in_(param("enrolments", UnitDone.enrolment, many=True)))))


class Done(NamedTuple):
    """A unit marked done for someone (when, and the trainer's short note)."""
    done_at: object
    note: str


def units_done(enrolment_id: int) -> dict[int, Done]:
    """unit id -> Done, for one enrolment."""
    return {unit_id: Done(done_at, note)
            for unit_id, done_at, note in
            UnitDone.select(UnitDone.unit, UnitDone.done_at, UnitDone.note)
            .where(UnitDone.enrolment == enrolment_id).tuples()}


class Unit(NamedTuple):
    """A unit of a course as progress reads and shows it."""
    id: int
    course_id: int
    position: int
    title_en: str
    title_sw: str
    required: bool
    title = bilingual("title")


_units = Prepared(lambda param: (
    CourseUnit.select(CourseUnit.id, CourseUnit.course.alias("course_id"), CourseUnit.position,
                      CourseUnit.title_en, CourseUnit.title_sw, CourseUnit.required)
    .where((CourseUnit.active == True)  # noqa: E712
           & CourseUnit.course.in_(param("courses", CourseUnit.course, many=True)))
    .order_by(CourseUnit.position, CourseUnit.id)), row=Unit)


def units_of_courses(course_ids) -> dict[int, list[Unit]]:
    """course id -> its units in use, in order."""
    result: dict[int, list[Unit]] = {}
    for unit in _units.all(courses=sorted(course_ids)):
        result.setdefault(unit.course_id, []).append(unit)
    return result


def assessment_ok(course: Course, enrolment: Enrolment) -> bool:
    if course.assessment == "pass_fail":
        return enrolment.assessment_result == "pass"
    if course.assessment == "score":
        return (enrolment.assessment_score is not None
                and enrolment.assessment_score >= (course.pass_mark or 0))
    return True


def evaluate_many(enrolments) -> dict[int, Evaluation]:
    """Evaluations of `enrolments` (each with .klass.course loaded: those of
    a class, of a member, or one), in four queries on their own ids, classes
    and courses, whatever their number."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    ids = [e.id for e in enrolments]
    counts: dict[int, list[int]] = {}
    for enrolment_id, status, n in _attendance.all(enrolments=ids):
        pair = counts.setdefault(enrolment_id, [0, 0])
        pair[0] += n if status in ATTENDED else 0
        pair[1] += n
    planned = dict(_planned.all(classes=sorted({e.klass_id for e in enrolments})))
    done: dict[int, set[int]] = {}
    for enrolment_id, unit_id in _done.all(enrolments=ids):
        done.setdefault(enrolment_id, set()).add(unit_id)
    units = units_of_courses({e.klass.course_id for e in enrolments})
    result = {}
    for e in enrolments:
        course = e.klass.course
        course_units = units.get(course.id, [])
        done_ids = done.get(e.id, set()) & {u.id for u in course_units}
        attended, counted = counts.get(e.id, (0, 0))
        result[e.id] = Evaluation(
            attended=attended, counted=counted, planned=planned.get(e.klass_id, 0),
            min_pct=course.min_attendance_pct, units_done=len(done_ids),
            units_total=len(course_units),
            required_missing=[u for u in course_units if u.required and u.id not in done_ids],
            assessment=course.assessment, assessment_ok=assessment_ok(course, e))
    return result


def load(enrolment_id: int) -> Enrolment | None:
    return (Enrolment.select(Enrolment, TrainingClass, Course).join(TrainingClass).join(Course)
            .where(Enrolment.id == enrolment_id).first())


def evaluate(enrolment: Enrolment) -> Evaluation:
    return evaluate_many([load(enrolment.id)])[enrolment.id]


# --- what the trainer records ---------------------------------------------------------------

def _in_progress(enrolment: Enrolment) -> None:
    if enrolment.status != "enrolled":
        raise RuleError(_l("Only the progress of someone in the class can change."))


def set_unit_done(enrolment: Enrolment, unit_id: int, done: bool, note: str = "",
                  actor=None) -> None:
    _in_progress(enrolment)
    unit = CourseUnit.get_or_none((CourseUnit.id == unit_id)
                                  & (CourseUnit.course == enrolment.klass.course_id))
    if unit is None:
        raise RuleError(_l("Choose from the list."), "unit")
    with db.atomic():
        if done:
            (UnitDone.insert(enrolment=enrolment.id, unit=unit.id, done_by=actor.id if actor else None,
                             note=(note or "").strip()[:255], done_at=utcnow())
             .on_conflict(conflict_target=[UnitDone.enrolment, UnitDone.unit],
                          update={UnitDone.note: (note or "").strip()[:255]}).execute())
        else:
            UnitDone.delete().where((UnitDone.enrolment == enrolment)
                                    & (UnitDone.unit == unit)).execute()
        audit.record("education.unit_" + ("done" if done else "undone"), "education_enrolment",
                     enrolment.id, actor=actor)


def record_assessment(enrolment: Enrolment, result: str = "", score: int | None = None,
                      note: str = "", actor=None) -> None:
    """Pass/fail or a score out of 100, as the course asks."""
    _in_progress(enrolment)
    course = enrolment.klass.course
    if course.assessment == "none":
        raise RuleError(_l("This course has no assessment."))
    if course.assessment == "pass_fail":
        if result not in ("pass", "fail"):
            raise RuleError(_l("Choose from the list."), "result")
        score = None
    else:
        if score is None or not 0 <= score <= 100:
            raise RuleError(_l("A score between 0 and 100."), "score")
        result = "pass" if score >= (course.pass_mark or 0) else "fail"
    with db.atomic():
        enrolment.assessment_result, enrolment.assessment_score = result, score
        enrolment.assessment_note = (note or "").strip()[:2000]
        enrolment.save(only=[Enrolment.assessment_result, Enrolment.assessment_score,
                             Enrolment.assessment_note])
        audit.record("education.assessment", "education_enrolment", enrolment.id, actor=actor)


def confirm_completion(enrolment: Enrolment, actor=None):
    """The rules are met: the trainer confirms; a certificate is issued and
    its PDF made by the worker. Returns the certificate."""
    from app.education import certificates
    _in_progress(enrolment)
    evaluation = evaluate(enrolment)
    if not evaluation.meets_rules:
        raise RuleError(_l("The course's rules are not met yet: completion cannot be "
                           "confirmed."))
    with db.atomic():
        enrolment.status, enrolment.ended_at = "completed", utcnow()
        enrolment.completed_on, enrolment.confirmed_by = today(), actor
        enrolment.save(only=[Enrolment.status, Enrolment.ended_at, Enrolment.completed_on,
                             Enrolment.confirmed_by])
        certificate = certificates.issue(enrolment, actor)
        audit.record("education.completed", "education_enrolment", enrolment.id, actor=actor)
    certificates.make_pdf_later(certificate, actor)
    return certificate


def mark_not_completed(enrolment: Enrolment, actor=None) -> None:
    """The class has ended and the rules were not met."""
    _in_progress(enrolment)
    klass = enrolment.klass
    if klass.end_date >= today() and not klass.cancelled_at:
        raise RuleError(_l("The class has not ended yet."))
    if evaluate(enrolment).meets_rules:
        raise RuleError(_l("The course's rules are met: confirm the completion instead."))
    with db.atomic():
        enrolment.status, enrolment.ended_at = "did_not_complete", utcnow()
        enrolment.save(only=[Enrolment.status, Enrolment.ended_at])
        audit.record("education.not_completed", "education_enrolment", enrolment.id, actor=actor)

"""Courses, classes and their sessions, enrolments, attendance, progress and
certificates (work plan Objective 2; Objectives 1 and 3 for mental-health,
leadership, outreach and citizenry trainings).

Rules that must hold whatever the code does live in the database: one
enrolment per member and class, one mark per person and session, one
valid certificate per enrolment, unique verification codes, and sane
numbers and dates (CHECK constraints).
"""
from __future__ import annotations

import peewee as pw

from app.auth.models import User
from app.clock import CALENDAR_FIRST, CALENDAR_LAST, utcnow
from app.db import BaseModel
from app.i18n import bilingual
from app.members.models import Member

LANGUAGES = ("sw", "en")
ASSESSMENTS = ("none", "pass_fail", "score")
ENROLMENT_STATUSES = ("waitlisted", "enrolled", "completed", "withdrawn", "did_not_complete")
# Statuses that hold one of a class's places.
HOLDING = ("enrolled", "completed", "did_not_complete")
MARKS = ("present", "late", "absent", "excused")
ATTENDED = ("present", "late")
# The calendar range of app.clock (the forms' app.forms.DateInput checks the same).
FIRST_DATE, LAST_DATE = CALENDAR_FIRST.isoformat(), CALENDAR_LAST.isoformat()


def date_check(column: str) -> pw.Check:
    """Dates people type stay in a sane range (also checked by the forms)."""
    return pw.Check(f"{column} IS NULL OR ({column} >= '{FIRST_DATE}' AND "
                    f"{column} <= '{LAST_DATE}')")


def in_list(column: str, values) -> pw.Check:
    quoted = ", ".join(f"'{v}'" for v in values)
    return pw.Check(f"{column} IN ({quoted})")


class ProgrammeArea(BaseModel):
    """One of the work plan's programme areas; seeded rows carry a `key`."""
    key = pw.CharField(max_length=32, null=True, unique=True)
    name_en = pw.CharField(max_length=120)
    name_sw = pw.CharField(max_length=120)
    position = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "education_area"

    name = bilingual("name")


class Course(BaseModel):
    area = pw.ForeignKeyField(ProgrammeArea, backref="courses", on_delete="RESTRICT")
    title_en = pw.CharField(max_length=160)
    title_sw = pw.CharField(max_length=160)
    description = pw.TextField(default="")
    language = pw.CharField(max_length=5, default="sw", constraints=[in_list("language", LANGUAGES)])
    capacity = pw.IntegerField(default=15, constraints=[pw.Check("capacity BETWEEN 1 AND 200")])
    # Completion rules: a share of the marked sessions attended, every
    # required unit done, and (optionally) a passed assessment.
    min_attendance_pct = pw.IntegerField(
        default=75, constraints=[pw.Check("min_attendance_pct BETWEEN 0 AND 100")])
    assessment = pw.CharField(max_length=10, default="none",
                              constraints=[in_list("assessment", ASSESSMENTS)])
    pass_mark = pw.IntegerField(null=True, constraints=[
        pw.Check("pass_mark IS NULL OR pass_mark BETWEEN 0 AND 100")])
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    is_demo = pw.BooleanField(default=False)

    class Meta:
        table_name = "education_course"
        indexes = ((("area", "active"), False),)

    title = bilingual("title")


class CourseUnit(BaseModel):
    course = pw.ForeignKeyField(Course, backref="units", on_delete="CASCADE")
    position = pw.IntegerField(default=0)
    title_en = pw.CharField(max_length=160)
    title_sw = pw.CharField(max_length=160)
    required = pw.BooleanField(default=True)
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "education_unit"
        indexes = ((("course", "position"), False),)

    title = bilingual("title")


class TrainingClass(BaseModel):
    """A cohort running a course: trainers, a place, dates and a weekly
    pattern (weekdays as a bit mask, Monday = bit 0; Nairobi wall clock)."""
    course = pw.ForeignKeyField(Course, backref="classes", on_delete="RESTRICT")
    label = pw.CharField(max_length=80, default="")
    place = pw.CharField(max_length=60, default="")
    start_date = pw.DateField(constraints=[date_check("start_date")])
    end_date = pw.DateField(constraints=[date_check("end_date"),
                                         pw.Check("end_date >= start_date")])
    capacity = pw.IntegerField(default=15, constraints=[pw.Check("capacity BETWEEN 1 AND 200")])
    language = pw.CharField(max_length=5, default="sw", constraints=[in_list("language", LANGUAGES)])
    open_to_requests = pw.BooleanField(default=True)
    weekdays_mask = pw.IntegerField(default=0)
    starts_time = pw.TimeField(formats=["%H:%M:%S", "%H:%M"])
    ends_time = pw.TimeField(formats=["%H:%M:%S", "%H:%M"])
    cancelled_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    is_demo = pw.BooleanField(default=False)

    class Meta:
        table_name = "education_class"
        indexes = ((("end_date", "start_date"), False), (("course", "start_date"), False))


class ClassTrainer(BaseModel):
    klass = pw.ForeignKeyField(TrainingClass, backref="trainers", on_delete="CASCADE",
                               column_name="class_id", object_id_name="klass_id")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "education_class_trainer"
        indexes = ((("klass", "user"), True), (("user", "klass"), False))


class ClassSession(BaseModel):
    """One meeting of a class (naive UTC). A moved session keeps the time
    it first had (`original_starts_at`) so members are told; a cancelled
    one stays, marked, for the record."""
    klass = pw.ForeignKeyField(TrainingClass, backref="sessions", on_delete="CASCADE",
                               column_name="class_id", object_id_name="klass_id")
    starts_at = pw.DateTimeField()
    ends_at = pw.DateTimeField(constraints=[pw.Check("ends_at > starts_at")])
    place = pw.CharField(max_length=60, default="")
    original_starts_at = pw.DateTimeField(null=True)
    original_place = pw.CharField(max_length=60, null=True)
    changed_at = pw.DateTimeField(null=True)
    cancelled_at = pw.DateTimeField(null=True)
    cancel_reason = pw.CharField(max_length=255, default="")
    register_taken_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "education_session"
        indexes = ((("klass", "starts_at"), False), (("starts_at",), False),
                   (("place", "starts_at"), False))


class Enrolment(BaseModel):
    """A member's place in a class (or on its waiting list) and their
    progress: units done, the assessment, and how it ended."""
    klass = pw.ForeignKeyField(TrainingClass, backref="enrolments", on_delete="CASCADE",
                               column_name="class_id", object_id_name="klass_id")
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    status = pw.CharField(max_length=16, default="enrolled",
                          constraints=[in_list("status", ENROLMENT_STATUSES)])
    by_member = pw.BooleanField(default=False)      # asked to join from /me
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    promoted_at = pw.DateTimeField(null=True)
    ended_at = pw.DateTimeField(null=True)          # withdrawn, completed, did not complete
    completed_on = pw.DateField(null=True)
    confirmed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    assessment_result = pw.CharField(max_length=4, default="",
                                     constraints=[in_list("assessment_result", ("", "pass", "fail"))])
    assessment_score = pw.IntegerField(null=True, constraints=[
        pw.Check("assessment_score IS NULL OR assessment_score BETWEEN 0 AND 100")])
    assessment_note = pw.TextField(default="")     # trainers and coordinators only
    is_demo = pw.BooleanField(default=False)

    class Meta:
        table_name = "education_enrolment"
        indexes = ((("klass", "member"), True), (("member", "status"), False),
                   (("klass", "status", "created_at"), False))


class Attendance(BaseModel):
    session = pw.ForeignKeyField(ClassSession, backref="marks", on_delete="CASCADE")
    enrolment = pw.ForeignKeyField(Enrolment, backref="marks", on_delete="CASCADE")
    status = pw.CharField(max_length=8, constraints=[in_list("status", MARKS)])
    marked_at = pw.DateTimeField(default=utcnow)
    marked_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "education_attendance"
        indexes = ((("session", "enrolment"), True), (("enrolment", "status"), False))


class AttendanceCorrection(BaseModel):
    """A change to a register after its trainer's 7 days: appended with a
    reason; the mark shows the corrected status."""
    attendance = pw.ForeignKeyField(Attendance, backref="corrections", on_delete="CASCADE")
    old_status = pw.CharField(max_length=8, default="")
    new_status = pw.CharField(max_length=8)
    reason = pw.CharField(max_length=255)
    at = pw.DateTimeField(default=utcnow)
    by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "education_attendance_correction"


class UnitDone(BaseModel):
    enrolment = pw.ForeignKeyField(Enrolment, backref="units_done", on_delete="CASCADE")
    unit = pw.ForeignKeyField(CourseUnit, backref="+", on_delete="CASCADE")
    done_at = pw.DateTimeField(default=utcnow)
    done_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    note = pw.CharField(max_length=255, default="")

    class Meta:
        table_name = "education_unit_done"
        indexes = ((("enrolment", "unit"), True),)


class Certificate(BaseModel):
    """Issued on a confirmed completion. `title` and `initials` are what
    the certificate says (the verification page shows only them and the
    month); the PDF is made by the worker in `language`."""
    enrolment = pw.ForeignKeyField(Enrolment, backref="certificates", on_delete="CASCADE")
    code = pw.CharField(max_length=16, unique=True)
    language = pw.CharField(max_length=5, default="sw")
    title = pw.CharField(max_length=160)
    initials = pw.CharField(max_length=12, default="")
    completed_on = pw.DateField()
    issued_at = pw.DateTimeField(default=utcnow)
    issued_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    revoked_at = pw.DateTimeField(null=True)
    revoked_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    revoke_reason = pw.CharField(max_length=255, default="")
    pdf_ready_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "education_certificate"


# One valid certificate per enrolment: a revoked one may be followed by another.
Certificate.add_index(Certificate.index(Certificate.enrolment, unique=True, safe=True,
                                        name="education_certificate_one_valid").where(
    Certificate.revoked_at.is_null()))


class VerifyThrottle(BaseModel):
    """Look-ups of /verify per client address and time window, shared by
    every web worker (it is in the database)."""
    key = pw.CharField(max_length=80, unique=True)
    window_start = pw.DateTimeField()
    count = pw.IntegerField(default=0)

    class Meta:
        table_name = "education_verify_throttle"


MODELS = [ProgrammeArea, Course, CourseUnit, TrainingClass, ClassTrainer, ClassSession,
          Enrolment, Attendance, AttendanceCorrection, UnitDone, Certificate, VerifyThrottle]

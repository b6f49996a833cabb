"""Forms of education: courses, classes and sessions, the register,
progress, certificates (messages from app.forms: translated)."""
from __future__ import annotations

from wtforms import BooleanField, StringField, TextAreaField, validators

from app.education import labels as L
from app.education.models import ASSESSMENTS, LANGUAGES, MARKS
from app.forms import (CheckboxList, Choice, DateInput, GetForm, IdField, IntInput, KituoForm,
                       Radio, TimeInput, length, optional, required)
from app.i18n import lazy_gettext as _l


def number(low: int, high: int):
    return validators.NumberRange(low, high, message=_l("Use a number between %(min)s and "
                                                        "%(max)s."))


class AreaForm(KituoForm):
    name_en = StringField(_l("Name in English"), [required(), length(120)])
    name_sw = StringField(_l("Name in Kiswahili"), [required(), length(120)])
    active = BooleanField(_l("In use"), default=True)


class CourseForm(KituoForm):
    title_en = StringField(_l("Title in English"), [required(), length(160)])
    title_sw = StringField(_l("Title in Kiswahili"), [required(), length(160)])
    area = IdField(_l("Programme area"), [required()], choices=[])
    description = TextAreaField(_l("Description"), [optional(), length(4000)])
    language = Choice(_l("Language it is taught in"),
                      choices=[(k, L.LANGUAGE_LABELS[k]) for k in LANGUAGES])
    capacity = IntInput(_l("Places in a class"), [required(), number(1, 200)], default=15)
    min_attendance_pct = IntInput(_l("Attendance needed to complete (per cent)"),
                                  [required(), number(0, 100)], default=75,
                                  description=_l("Of the sessions marked; excused absences do "
                                                 "not count."))
    assessment = Radio(_l("Assessment"), choices=[(k, L.ASSESSMENT_LABELS[k]) for k in ASSESSMENTS],
                       default="none")
    pass_mark = IntInput(_l("Pass mark (out of 100)"), [optional(), number(0, 100)],
                         description=_l("Only for a scored assessment."))
    active = BooleanField(_l("Offered"), default=True)


class UnitForm(KituoForm):
    title_en = StringField(_l("Unit in English"), [required(), length(160)])
    title_sw = StringField(_l("Unit in Kiswahili"), [required(), length(160)])
    required_unit = BooleanField(_l("Required to complete"), default=True)


class ClassForm(KituoForm):
    course = IdField(_l("Course"), [required()], choices=[])
    label = StringField(_l("Name of the class (optional)"), [optional(), length(80)],
                        description=_l("For example: Saturday group, or the month it starts."))
    trainers = CheckboxList(_l("Trainers"), coerce=int, choices=[])
    place = StringField(_l("Place"), [optional(), length(60)],
                        description=_l("The room at the centre, or where it meets."))
    start_date = DateInput(_l("First day"), [required()])
    end_date = DateInput(_l("Last day"), [required()])
    weekdays = CheckboxList(_l("Days of the week"), coerce=int,
                            choices=[(i, day) for i, day in enumerate(L.WEEKDAYS)])
    starts_time = TimeInput(_l("From"), [required()])
    ends_time = TimeInput(_l("Until"), [required()])
    capacity = IntInput(_l("Places"), [required(), number(1, 200)])
    language = Choice(_l("Language"), choices=[(k, L.LANGUAGE_LABELS[k]) for k in LANGUAGES])
    open_to_requests = BooleanField(_l("Members may ask to join from their home page"),
                                    default=True)


class ClassEditForm(KituoForm):
    label = ClassForm.label
    trainers = CheckboxList(_l("Trainers"), coerce=int, choices=[])
    place = ClassForm.place
    capacity = IntInput(_l("Places"), [required(), number(1, 200)])
    open_to_requests = ClassForm.open_to_requests


class SessionForm(KituoForm):
    """A session moved, or one added."""
    day = DateInput(_l("Day"), [required()])
    starts_time = TimeInput(_l("From"), [required()])
    ends_time = TimeInput(_l("Until"), [required()])
    place = StringField(_l("Place"), [optional(), length(60)])


class CancelSessionForm(KituoForm):
    reason = StringField(_l("Reason (members do not see it)"), [optional(), length(255)])


class EnrolForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(24)],
                              render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class WithdrawForm(KituoForm):
    enrolment = IdField(_l("Person"), [required()])


class MarkForm(KituoForm):
    status = Choice(_l("Attendance"), choices=[(k, L.MARK_LABELS[k]) for k in MARKS])


class CorrectionForm(KituoForm):
    status = Radio(_l("Attendance"), choices=[(k, L.MARK_LABELS[k]) for k in MARKS])
    reason = StringField(_l("Why it changes"), [required(), length(255)])


class UnitDoneForm(KituoForm):
    done = BooleanField(_l("Done"))
    note = StringField(_l("Short note (optional)"), [optional(), length(255)])


class AssessmentForm(KituoForm):
    result = Radio(_l("Result"), choices=[("pass", L.RESULT_LABELS["pass"]),
                                          ("fail", L.RESULT_LABELS["fail"])], validators=[optional()])
    score = IntInput(_l("Score (out of 100)"), [optional()])
    note = TextAreaField(_l("Assessment note (trainers and coordinators only)"),
                         [optional(), length(2000)])


class RevokeForm(KituoForm):
    reason = StringField(_l("Why it is revoked"), [required(), length(255)])


class ReportRangeForm(KituoForm):
    first = DateInput(_l("From"), [required()])
    last = DateInput(_l("Until"), [required()])

    def validate_last(self, field):
        if self.first.data and field.data and field.data < self.first.data:
            raise validators.ValidationError(_l("The end date is before the start date."))


class CourseFilter(GetForm):
    """The course list's programme area (a GET: nothing is written; the
    view sets the choices)."""
    area = IdField(_l("Programme area"))


class ConfirmForm(KituoForm):
    """A button that only needs its CSRF token (join, everyone present...)."""

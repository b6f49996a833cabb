"""Forms of the counselling module (messages from app.forms helpers)."""
from __future__ import annotations

from app.i18n import lazy_gettext as _l, lazy_pgettext
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField,
                     SelectField, SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms import validators

from app.counselling import labels as L
from app.counselling.models import EXCEPTION_KINDS
from app.forms import KituoForm, length, optional, required


def number(low: int, high: int):
    return validators.NumberRange(low, high, message=_l("Use a number between %(min)s and "
                                                        "%(max)s."))


class TimeInput(TimeField):
    def __init__(self, label, validators_=None, **kwargs):
        super().__init__(label, validators_, format="%H:%M", **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a time like 09:30."))


class DateInput(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date."))


class IntInput(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a whole number."))


class MultiChoice(SelectMultipleField):
    """A multiple select whose "not a valid choice" message is translated."""
    def pre_validate(self, form):
        allowed = {str(value) for value, _label in self.choices}
        if any(str(v) not in allowed for v in self.data or []):
            raise validators.ValidationError(_l("Choose from the list."))


class TemplateForm(KituoForm):
    weekday = SelectField(_l("Day of the week"), coerce=int, validators=[required()])
    start_time = TimeInput(_l("From"), [required()])
    end_time = TimeInput(_l("Until"), [required()],
                         description=_l("An end before the start means the evening runs past "
                                        "midnight."))
    session_minutes = IntInput(_l("Session length (minutes)"), [required(), number(15, 240)],
                               default=50)
    buffer_minutes = IntInput(_l("Break between sessions (minutes)"),
                              [required(), number(0, 120)], default=10)
    room = StringField(_l("Room"), [optional(), length(60)])

    def set_choices(self):
        self.weekday.choices = [(i, str(name)) for i, name in enumerate(L.WEEKDAYS)]


class ExceptionForm(KituoForm):
    first_day = DateInput(_l("First day"), [required()])
    last_day = DateInput(_l("Last day"), [required()])
    start_time = TimeInput(_l("From (optional)"), [optional()],
                           description=_l("Leave the times empty for whole days."))
    end_time = TimeInput(_l("Until (optional)"), [optional()])
    kind = SelectField(_l("Reason"), choices=[(k, L.EXCEPTION_LABELS[k]) for k in EXCEPTION_KINDS],
                       validators=[required()])
    note = StringField(_l("Note (not shown to members)"), [optional(), length(120)])


class SettingsForm(KituoForm):
    self_booking = BooleanField(_l("Members may book their own appointments"))
    notice_minutes = IntInput(_l("Minimum notice for members (minutes)"),
                              [required(), number(0, 7 * 24 * 60)])
    window_days = IntInput(_l("How far ahead bookings may be made (days)"),
                           [required(), number(1, 365)])
    member_cutoff_hours = IntInput(
        _l("Members cannot cancel or move later than this many hours before"),
        [required(), number(0, 14 * 24)])


class HolidayForm(KituoForm):
    name = StringField(_l("Holiday"), [required(), length(80)])
    day = DateInput(_l("Date"), [required()])
    every_year = BooleanField(_l("Every year on this date"))


class BookForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(24)],
                              description=_l("For example AZ-0042"))
    counsellor_id = HiddenField(validators=[required()])
    starts_at = HiddenField(validators=[required()])


class SlotForm(KituoForm):
    counsellor_id = HiddenField(validators=[required()])
    starts_at = HiddenField(validators=[required()])


class CancelForm(KituoForm):
    reason = StringField(_l("Reason"), [required(), length(255)])


class MemberCancelForm(KituoForm):
    reason = RadioField(_l("Why do you cancel?"),
                        choices=list(L.MEMBER_CANCEL_REASONS.items()), validators=[required()])


class NoteForm(KituoForm):
    text = TextAreaField(lazy_pgettext("session note", "Note"), [required(), length(20000)])
    concerns = TextAreaField(_l("Presenting concerns (optional)"), [optional(), length(4000)])
    risk_level = SelectField(_l("Risk level"), choices=[(k, v) for k, v in L.RISK_LABELS.items()],
                             validators=[optional()])
    follow_up = TextAreaField(_l("Follow-up (optional)"), [optional(), length(4000)])


class GroupForm(KituoForm):
    title = StringField(_l("Title"), [required(), length(120)])
    description = TextAreaField(_l("What it is about (optional)"), [optional(), length(2000)])
    day = DateInput(_l("Date of the first session"), [required()])
    start_time = TimeInput(_l("Starts at"), [required()])
    minutes = IntInput(_l("Length (minutes)"), [required(), number(15, 480)], default=90)
    room = StringField(_l("Room"), [optional(), length(60)])
    capacity = IntInput(_l("Places"), [required(), number(1, 200)], default=12)
    weeks = IntInput(_l("Repeat weekly for how many weeks"), [required(), number(1, 52)],
                     default=1)
    facilitators = MultiChoice(_l("Facilitators"), coerce=int, validators=[required()])


class GroupEditForm(KituoForm):
    """Change one upcoming session (not the rest of its series)."""
    title = StringField(_l("Title"), [required(), length(120)])
    description = TextAreaField(_l("What it is about (optional)"), [optional(), length(2000)])
    day = DateInput(_l("Date"), [required()])
    start_time = TimeInput(_l("Starts at"), [required()])
    minutes = IntInput(_l("Length (minutes)"), [required(), number(15, 480)])
    room = StringField(_l("Room"), [optional(), length(60)])
    capacity = IntInput(_l("Places"), [required(), number(1, 200)])
    facilitators = MultiChoice(_l("Facilitators"), coerce=int, validators=[required()])


class SignupForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(24)])


class CapacityForm(KituoForm):
    capacity = IntInput(_l("Places"), [required(), number(1, 200)])

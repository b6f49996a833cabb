"""Forms of the counselling module (messages from app.forms helpers).
Lengths and ranges come from the rules they guard (services, bookings,
groups, holidays, notes), so each limit is stated once."""
from __future__ import annotations

import datetime as dt

from app.i18n import lazy_gettext as _l, lazy_pgettext
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms import validators
from wtforms.widgets import HiddenInput

from app.counselling import bookings, groups, holidays, notes, services
from app.counselling import labels as L
from app.counselling.models import EXCEPTION_KINDS
from app.clock import date_bounds
from app.forms import (CheckboxList, Choice, DateInput, GetForm, IdField, IntInput, KituoForm,
                       MultiChoice, Radio, TimeInput, length, optional, required)
from app.members.models import Member

CODE_MAX = Member.code.max_length


def number(limits: tuple[int, int]):
    low, high = limits
    return validators.NumberRange(low, high, message=_l("Use a number between %(min)s and "
                                                        "%(max)s."))


class SlotStart(HiddenField):
    """A slot's start as the slot lists send it (ISO, naive UTC), on a day
    within a few years of today (app.clock.date_bounds): a link or a
    tampered field cannot book at year 9999."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0]:
            try:
                start = dt.datetime.fromisoformat(valuelist[0])
            except ValueError:
                raise ValueError(_l("Choose a time."))
            first, last = date_bounds(near=True)
            if not first <= start.date() <= last:
                raise ValueError(_l("Choose a time."))
            self.data = start

    def _value(self):
        return self.data.isoformat() if isinstance(self.data, dt.datetime) else ""


class TemplateForm(KituoForm):
    weekday = Choice(_l("Day of the week"), coerce=int, validators=[required()])
    start_time = TimeInput(_l("From"), [required()])
    end_time = TimeInput(_l("Until"), [required()],
                         description=_l("An end before the start means the evening runs past "
                                        "midnight."))
    session_minutes = IntInput(_l("Session length (minutes)"),
                               [required(), number(services.SESSION_MINUTES)], default=50)
    buffer_minutes = IntInput(_l("Break between sessions (minutes)"),
                              [required(), number(services.BUFFER_MINUTES)], default=10)
    room = StringField(_l("Room"), [optional(), length(services.ROOM_MAX)])

    def set_choices(self):
        self.weekday.choices = [(i, str(name)) for i, name in enumerate(L.WEEKDAYS)]


class ExceptionForm(KituoForm):
    first_day = DateInput(_l("First day"), [required()], near=True)
    last_day = DateInput(_l("Last day"), [required()], near=True)
    # own element ids: the weekly-hours form on the same page has start_time/end_time
    start_time = TimeInput(_l("From (optional)"), [optional()], id="away_start_time",
                           description=_l("Leave the times empty for whole days."))
    end_time = TimeInput(_l("Until (optional)"), [optional()], id="away_end_time")
    kind = Choice(_l("Reason"), choices=[(k, L.EXCEPTION_LABELS[k]) for k in EXCEPTION_KINDS],
                  validators=[required()])
    note = StringField(_l("Note (not shown to members)"),
                       [optional(), length(services.AWAY_NOTE_MAX)])


class SettingsForm(KituoForm):
    self_booking = BooleanField(_l("Members may book their own appointments"))
    notice_minutes = IntInput(_l("Minimum notice for members (minutes)"),
                              [required(), number(services.SETTING_RANGES["notice_minutes"])])
    window_days = IntInput(_l("How far ahead bookings may be made (days)"),
                           [required(), number(services.SETTING_RANGES["window_days"])])
    member_cutoff_hours = IntInput(
        _l("Members cannot cancel or move later than this many hours before"),
        [required(), number(services.SETTING_RANGES["member_cutoff_hours"])])


class HolidayForm(KituoForm):
    name = StringField(_l("Holiday"), [required(), length(holidays.NAME_MAX)])
    day = DateInput(_l("Date"), [required()], near=True)
    every_year = BooleanField(_l("Every year on this date"))


class SlotForm(KituoForm):
    """A free slot chosen from a list: its counsellor and start."""
    counsellor_id = IdField(validators=[required()], widget=HiddenInput())
    starts_at = SlotStart(validators=[required()])


class BookForm(SlotForm):
    member_code = StringField(_l("Member code"), [required(), length(CODE_MAX)],
                              description=_l("For example AZ-0042"))


class CancelForm(KituoForm):
    reason = StringField(_l("Reason"), [required(), length(bookings.REASON_MAX)])


class MemberCancelForm(KituoForm):
    reason = Radio(_l("Why do you cancel?"),
                   choices=list(L.MEMBER_CANCEL_REASONS.items()), validators=[required()])


class NoteForm(KituoForm):
    text = TextAreaField(lazy_pgettext("session note", "Note"),
                         [required(), length(notes.TEXT_MAX)])
    concerns = TextAreaField(_l("Presenting concerns (optional)"),
                             [optional(), length(notes.CONCERNS_MAX)])
    risk_level = Choice(_l("Risk level"), choices=[(k, v) for k, v in L.RISK_LABELS.items()],
                        validators=[optional()])
    follow_up = TextAreaField(_l("Follow-up (optional)"),
                              [optional(), length(notes.FOLLOW_UP_MAX)])


class GroupEditForm(KituoForm):
    """Change one upcoming session (not the rest of its series)."""
    title = StringField(_l("Title"), [required(), length(groups.TITLE_MAX)])
    description = TextAreaField(_l("What it is about (optional)"),
                                [optional(), length(groups.DESCRIPTION_MAX)])
    day = DateInput(_l("Date"), [required()], near=True)
    start_time = TimeInput(_l("Starts at"), [required()])
    minutes = IntInput(_l("Length (minutes)"), [required(), number(groups.MINUTES)])
    room = StringField(_l("Room"), [optional(), length(groups.ROOM_MAX)])
    capacity = IntInput(_l("Places"), [required(), number(groups.CAPACITY)])
    facilitators = MultiChoice(_l("Facilitators"), coerce=int, validators=[required()])


class GroupForm(GroupEditForm):
    """Plan one session, or a weekly series."""
    day = DateInput(_l("Date of the first session"), [required()], near=True)
    minutes = IntInput(_l("Length (minutes)"), [required(), number(groups.MINUTES)], default=90)
    capacity = IntInput(_l("Places"), [required(), number(groups.CAPACITY)], default=12)
    weeks = IntInput(_l("Repeat weekly for how many weeks"), [required(), number(groups.WEEKS)],
                     default=1)


class SignupForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(CODE_MAX)])


class CapacityForm(KituoForm):
    capacity = IntInput(_l("Places"), [required(), number(groups.CAPACITY)])


class RegisterForm(KituoForm):
    """The attendance register: who of those with a place came."""
    present = CheckboxList(_l("Who came"), coerce=int)

    @classmethod
    def of(cls, booked, **kwargs):
        form = cls(**kwargs)
        form.present.choices = [(r.id, r.member.display) for r in booked]
        if not form.is_submitted():
            form.present.data = [r.id for r in booked if r.attended]
        return form


class MarkForm(KituoForm):
    """Attended / did not come, from the appointment page or the agenda."""
    status = HiddenField()
    next = HiddenField()


class ReleaseForm(KituoForm):
    """Release a note to the member's own export, or withdraw it."""
    action = HiddenField()


# --- choices a page shows (GET: no CSRF token, nothing is written) -------------------------------

class CounsellorChoice(GetForm):
    """Whose free times, agenda or availability a page shows."""
    counsellor = IdField(_l("Counsellor"))

    @classmethod
    def of(cls, people, chosen, anyone=None, label=None, **data):
        """The choice among `people`, `chosen` selected; `anyone`: the
        label of an option for no one in particular."""
        form = cls(formdata=None, counsellor=chosen, **data)
        form.counsellor.choices = ([("", anyone)] if anyone else []) + [
            (p.id, p.display_name) for p in people]
        if label:
            form.counsellor.label.text = label
        return form


class SelfBookChoice(CounsellorChoice):
    """With whom a member books (?person=: neutral words in a member's
    address)."""
    counsellor = IdField(_l("With"), name="person", id="person")


class SlotFinderForm(CounsellorChoice):
    """The slot finder's filters: for whom, with whom, from when."""
    member = StringField(_l("Member code"), [optional(), length(CODE_MAX)],
                         render_kw={"placeholder": "AZ-0042", "autocomplete": "off"})
    counsellor = IdField(_l("Counsellor"))
    day = DateInput(_l("From"), [optional()], name="from")

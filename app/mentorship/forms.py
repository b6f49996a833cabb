"""Forms of mentorship (messages from app.forms: translated)."""
from wtforms import BooleanField, Form, FormField, StringField, TextAreaField
from wtforms.validators import NumberRange, ValidationError

from app.forms import (
    CheckboxList, Choice, DateInput, DateTimeInput, IdField, IntInput, KeyedList, KituoForm, Radio,
    length, optional, required)
from app.i18n import lazy_gettext as _l
from app.members.models import LIMITS as MEMBER_LIMITS
from app.mentorship.labels import (
    AREA_LABELS, GOAL_STATUS_LABELS, LANGUAGE_LABELS, MODE_LABELS, TOPIC_LABELS, duration_label,
    mentoring_label)
from app.mentorship.models import CAPACITY_MAX, DURATIONS, GOAL_STATUSES, LIMITS


class ProfileForm(KituoForm):
    areas = CheckboxList(_l("Areas"), choices=list(AREA_LABELS.items()))
    languages = CheckboxList(_l("Languages"), choices=list(LANGUAGE_LABELS.items()))
    capacity = IntInput(_l("Capacity (most mentees at a time)"),
                        [required(), NumberRange(0, CAPACITY_MAX,
                                                 message=_l("Between 0 and 20 mentees."))])
    availability = StringField(_l("Availability"), [optional(), length(LIMITS["availability"])],
                               description=_l("For example: weekday evenings, Saturdays at the centre."))

    def validate_languages(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one language."))


class MentorOwnProfileForm(ProfileForm):
    capacity = None


class ProposeForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(MEMBER_LIMITS["code"])],
                              render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    mentor = IdField(_l("Mentor"), [required()], choices=[])
    # sent by the page only after it warned that the member already has a mentor
    second = BooleanField(_l("Propose a second mentor"))


class ActivateForm(KituoForm):
    start_date = DateInput(_l("Start date"), [required()], near=True)
    override = BooleanField(_l("Allow a second mentor (this member already has one)"))


class CancelMeetingForm(KituoForm):
    """Takes the planned next meeting off both schedules (its own action:
    an empty "Next meeting" on a session log keeps it)."""


class EndForm(KituoForm):
    outcome = Choice(_l("How does it end?"), choices=[
        ("completed", _l("Completed: the goals were worked through")),
        ("ended", _l("Ended early"))])
    reason = StringField(_l("Reason"), [optional(), length(LIMITS["end_reason"])])
    end_date = DateInput(_l("End date"), [required()], near=True)


class GoalForm(KituoForm):
    title = StringField(_l("Goal"), [required(), length(LIMITS["goal_title"])])
    area = Choice(_l("Area"), choices=list(AREA_LABELS.items()))
    target_date = DateInput(_l("Target date"), [optional()], near=True)


class GoalNoteForm(KituoForm):
    status = Choice(_l("Status"), choices=list(GOAL_STATUS_LABELS.items()))
    text = TextAreaField(_l("Progress note"), [optional(), length(LIMITS["goal_note"])],
                         render_kw={"rows": 2})


def duration_choices():
    return [(d, duration_label(d)) for d in DURATIONS]


class GoalProgressForm(Form):
    """Progress on one goal in a session log: `goal-<id>-status` and
    `goal-<id>-note` (the row's key is the goal's id, see KeyedList)."""
    status = Choice(_l("Status"), choices=[("", "")] + [(s, s) for s in GOAL_STATUSES])
    note = StringField(_l("Progress note"), [optional(), length(LIMITS["goal_note"])],
                       render_kw={"placeholder": _l("Progress note (optional)")})


class SessionForm(KituoForm):
    held_on = DateInput(_l("Date"), [required()], near=True)
    duration_minutes = Radio(_l("How long?"), coerce=int, choices=[])
    mode = Radio(_l("How did you meet?"), choices=list(MODE_LABELS.items()))
    topics = CheckboxList(_l("Topics"), choices=list(TOPIC_LABELS.items()))
    notes = TextAreaField(_l("Notes"), [optional(), length(LIMITS["session_notes"])])
    goal = KeyedList(FormField(GoalProgressForm), key="goal_id")
    next_meeting = DateTimeInput(_l("Next meeting"), [optional()], near=True)
    follow_up = TextAreaField(_l("Follow-up actions"), [optional(), length(LIMITS["follow_up"])])
    worried = BooleanField(_l("I am worried about their safety: raise a safeguarding concern next"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration_minutes.choices = duration_choices()

    def offer_goals(self, rows) -> None:
        """Label each goal's row (services.session_goals' GoalProgress rows)
        and offer the changes it may take: not its status before this
        entry, which "No change" keeps. A row for a goal not offered keeps
        only "No change" (the service refuses progress on it)."""
        offered = {row.goal.id: row for row in rows}
        for entry in self.goal:
            row = offered.get(entry.index)
            if row is None:
                entry.status.choices = [("", "")]
                continue
            keys = ["in_progress", "achieved", "dropped"]
            if row.status and row.status not in keys:
                keys.insert(0, row.status)
            entry.status.label.text = row.goal.title
            entry.status.choices = [("", _l("No change (%(status)s)",
                                         status=mentoring_label("goal", row.before)))] + [
                (key, mentoring_label("goal", key)) for key in keys if key != row.before]

    def goal_updates(self, editing: bool = False) -> dict:
        """goal id -> (status, note) from the goal rows. A new log takes the
        rows with something in them; a changed log every row (an emptied
        row takes back what the log had recorded)."""
        return {entry.index: (entry.status.data or "", entry.note.data or "")
                for entry in self.goal
                if editing or entry.status.data or (entry.note.data or "").strip()}


class CorrectionForm(KituoForm):
    text = TextAreaField(_l("Correction"), [required(), length(LIMITS["correction"])])

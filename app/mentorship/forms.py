"""Forms of mentorship (messages from app.forms: translated)."""
from app.i18n import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, IntegerField, SelectField, StringField,
    TextAreaField)
from wtforms.validators import NumberRange, ValidationError

from app.forms import CheckboxList, KituoForm, Radio, length, optional, required
from app.mentorship.labels import (
    AREA_LABELS, GOAL_STATUS_LABELS, LANGUAGE_LABELS, MODE_LABELS, TOPIC_LABELS, duration_label)
from app.mentorship.models import DURATIONS


class ProfileForm(KituoForm):
    areas = CheckboxList(_l("Areas"), choices=list(AREA_LABELS.items()))
    languages = CheckboxList(_l("Languages"), choices=list(LANGUAGE_LABELS.items()))
    capacity = IntegerField(_l("Capacity (most mentees at a time)"),
                            [required(), NumberRange(0, 20, message=_l("Between 0 and 20 mentees."))])
    availability = StringField(_l("Availability"), [optional(), length(255)],
                               description=_l("For example: weekday evenings, Saturdays at the centre."))

    def validate_languages(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one language."))


class MentorOwnProfileForm(ProfileForm):
    capacity = None


class ProposeForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(24)],
                              render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    mentor = SelectField(_l("Mentor"), [required()], choices=[])


class ActivateForm(KituoForm):
    start_date = DateField(_l("Start date"), [required()])
    override = BooleanField(_l("Allow a second mentor (this member already has one)"))


class EndForm(KituoForm):
    outcome = SelectField(_l("How does it end?"), choices=[
        ("completed", _l("Completed: the goals were worked through")),
        ("ended", _l("Ended early"))])
    reason = StringField(_l("Reason"), [optional(), length(255)])
    end_date = DateField(_l("End date"), [required()])


class GoalForm(KituoForm):
    title = StringField(_l("Goal"), [required(), length(160)])
    area = SelectField(_l("Area"), choices=list(AREA_LABELS.items()))
    target_date = DateField(_l("Target date"), [optional()])


class GoalNoteForm(KituoForm):
    status = SelectField(_l("Status"), choices=list(GOAL_STATUS_LABELS.items()))
    text = TextAreaField(_l("Progress note"), [optional(), length(2000)])


def duration_choices():
    return [(d, duration_label(d)) for d in DURATIONS]


class SessionForm(KituoForm):
    held_on = DateField(_l("Date"), [required()])
    duration_minutes = Radio(_l("How long?"), coerce=int, choices=[])
    mode = Radio(_l("How did you meet?"), choices=list(MODE_LABELS.items()))
    topics = CheckboxList(_l("Topics"), choices=list(TOPIC_LABELS.items()))
    notes = TextAreaField(_l("Notes"), [optional(), length(4000)])
    next_meeting = DateTimeLocalField(_l("Next meeting"), [optional()],
                                      format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
    follow_up = TextAreaField(_l("Follow-up actions"), [optional(), length(2000)])
    worried = BooleanField(_l("I am worried about their safety: raise a safeguarding concern next"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration_minutes.choices = duration_choices()


class CorrectionForm(KituoForm):
    text = TextAreaField(_l("Correction"), [required(), length(2000)])

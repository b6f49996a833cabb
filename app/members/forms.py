"""Forms of the members module (messages from our catalogue, not WTForms')."""
from __future__ import annotations

from app.i18n import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from app.forms import (CheckboxList, Choice, DateInput, DateTimeInput, GetForm, KituoForm, Radio,
                       length, optional, required)
from app.members.labels import (
    AGE_BAND_LABELS, EXIT_REASON_LABELS, GENDER_LABELS, LANGUAGE_LABELS, METHOD_LABELS,
    NEED_LABELS, PURPOSE_LABELS, STATUS_LABELS)
from app.members.models import CONSENT_PURPOSES, COUNTIES, EXIT_REASONS, LIMITS, STATUSES


def _choices(mapping, blank=None):
    items = list(mapping.items())
    return ([("", blank)] if blank is not None else []) + items


class MemberForm(KituoForm):
    preferred_name = StringField(_l("Preferred name"), [required(), length(LIMITS["preferred_name"])],
                                 description=_l("The name they like to be called at the centre."))
    legal_name = StringField(_l("Legal name"), [optional(), length(LIMITS["legal_name"])])
    gender = Choice(_l("Gender"), choices=[])
    birth_year = StringField(_l("Year of birth"), [optional(), length(4)],
                             render_kw={"inputmode": "numeric"})
    age_band = Choice(_l("Age band"), choices=[],
                      description=_l("If the year of birth is not known."))
    phone = StringField(_l("Phone"), [optional(), length(LIMITS["phone"])], render_kw={"inputmode": "tel"})
    language = Choice(_l("Preferred language"), choices=list(LANGUAGE_LABELS.items()))
    county = Choice(_l("County"), choices=[])
    location = StringField(_l("Location"), [optional(), length(LIMITS["location"])],
                           description=_l("Area or village. Restricted."))
    referral_source = Choice(_l("Referred by"), choices=[])
    referring_org = StringField(_l("Referring organisation"),
                                [optional(), length(LIMITS["referring_org"])])
    joined_on = DateInput(_l("Date joined"), [required()])
    needs = CheckboxList(_l("Needs"), choices=[])
    notes = TextAreaField(_l("Restricted notes"), [optional(), length(LIMITS["notes"])],
                          description=_l("Only coordinators see these notes."))

    def _check(self, field):
        """The service's own rule for one field, so every error shows at once."""
        from app.members import services
        try:
            services.clean_record({field.name: field.data}, partial=True)
        except services.MemberError as error:
            raise ValidationError(error.message) from None

    def validate_birth_year(self, field):
        self._check(field)

    def validate_phone(self, field):
        self._check(field)

    def validate_joined_on(self, field):
        self._check(field)

    def set_choices(self, sources):
        self.gender.choices = _choices(GENDER_LABELS, _l("—"))   # never "Female" by default
        self.age_band.choices = _choices(AGE_BAND_LABELS, _l("—"))
        self.county.choices = [("", _l("—"))] + [(c, c) for c in COUNTIES]
        self.referral_source.choices = [("", _l("—"))] + [(str(s.id), label) for s, label in sources]
        self.needs.choices = _choices(NEED_LABELS)


# Labels of the member page's status, meeting and buddy forms.
PROFILE_LABELS = {
    "status": _l("New status"),
    "exit_reason": _l("Reason for leaving"),
    "starts_at": _l("Date and time"),
    "with_buddy": _l("With their peer buddy"),
    "buddy_code": _l("Buddy's member code"),
    "buddy_code_hint": _l("The member code of an active member."),
}
EXIT_REASON_CHOICES = [("", _l("—"))] + [(k, EXIT_REASON_LABELS[k])
                                         for k in EXIT_REASONS if k != "anonymised"]


def status_choices(allowed) -> list:
    return [(s, STATUS_LABELS[s]) for s in STATUSES if s in allowed]


class StatusForm(KituoForm):
    status = Choice(PROFILE_LABELS["status"], choices=[])
    exit_reason = Choice(PROFILE_LABELS["exit_reason"], choices=EXIT_REASON_CHOICES)

    def set_choices(self, allowed):
        self.status.choices = status_choices(allowed)


class ConsentForm(KituoForm):
    """The consent form as the paper one reads: a yes or no per purpose
    (fields answer_<purpose>, prefilled with the answers on record; none
    chosen: not asked this time), then how, in which language and when."""
    method = Radio(_l("How it was explained"), choices=[(k, v) for k, v in METHOD_LABELS.items() if k != "self"],
                   default="verbal")
    language = Choice(_l("Language of the explanation"), choices=list(LANGUAGE_LABELS.items()))
    recorded_on = DateInput(_l("Date"), [required()])
    note = StringField(_l("Note"), [optional(), length(LIMITS["consent_note"])])

    def answer_fields(self) -> list:
        return [(purpose, self[f"answer_{purpose}"]) for purpose in CONSENT_PURPOSES]

    def prefill(self, latest: dict) -> None:
        """The answers on record, so only the ones that change are re-chosen."""
        for purpose, field in self.answer_fields():
            event = latest.get(purpose)
            field.data = None if event is None else ("yes" if event.given else "no")

    def answers(self) -> dict[str, bool]:
        return {purpose: field.data == "yes" for purpose, field in self.answer_fields()
                if field.data in ("yes", "no")}


CONSENT_ANSWERS = [("yes", _l("Yes")), ("no", _l("No"))]
for _purpose in CONSENT_PURPOSES:
    setattr(ConsentForm, f"answer_{_purpose}",
            Radio(PURPOSE_LABELS[_purpose], choices=CONSENT_ANSWERS, blank_ok=True))


class StepDoneForm(KituoForm):
    note = StringField(_l("Short note"), [optional(), length(LIMITS["step_note"])])


class MeetingForm(KituoForm):
    starts_at = DateTimeInput(PROFILE_LABELS["starts_at"], [required()], near=True)
    with_buddy = BooleanField(PROFILE_LABELS["with_buddy"])


class BuddyForm(KituoForm):
    buddy_code = StringField(PROFILE_LABELS["buddy_code"], [optional(), length(LIMITS["code"])],
                             render_kw={"autocapitalize": "characters"},
                             description=PROFILE_LABELS["buddy_code_hint"])


class BuddyRemoveForm(KituoForm):
    """Removing a peer buddy is its own action, confirmed on the page."""


class AnonymiseForm(KituoForm):
    confirm = StringField(_l("Type the member's code to confirm"), [required(), length(LIMITS["code"])],
                          render_kw={"autocomplete": "off", "autocapitalize": "characters"})


class ImportForm(KituoForm):
    file = FileField(_l("CSV file"), [required()])


class StepForm(KituoForm):
    title_en = StringField(_l("Step (English)"), [required(), length(LIMITS["step_title"])])
    title_sw = StringField(_l("Step (Kiswahili)"), [required(), length(LIMITS["step_title"])])
    required_step = BooleanField(_l("Required"), default=True)


class SourceForm(KituoForm):
    name = StringField(_l("New referral source"), [required(), length(LIMITS["source_name"])])


class FilterForm(GetForm):
    q = StringField(_l("Search"), [optional(), length(LIMITS["search"])])
    status = SelectField(_l("Status"), [optional()], choices=[("", _l("All"))] +
                         list(STATUS_LABELS.items()), validate_choice=False)
    need = SelectField(_l("Need"), [optional()], choices=[("", _l("All"))] +
                       list(NEED_LABELS.items()), validate_choice=False)



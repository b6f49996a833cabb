"""Forms of the support around learning: formal education, opportunities
and applications, the study space, placements, referrals, follow-ups."""
from __future__ import annotations

import re
from decimal import Decimal

from wtforms import BooleanField, HiddenField, StringField, TextAreaField, validators

from app.education import labels as L
from app.education.support_models import (
    APPLICATION_STATUSES, DOCUMENTS, FORMAL_STATUSES, GRADE_SCALES, INCOME_BANDS, LEVELS,
    OPPORTUNITY_KINDS, PLACEMENT_KINDS, REFERRAL_KINDS, REFERRAL_OUTCOMES, RESOURCE_KINDS)
from app.education.forms import number
from app.forms import (CheckboxList, Choice, DateInput, GetForm, IdField, IntInput, KituoForm,
                       Radio, TimeInput, length, optional, required)
from app.i18n import lazy_gettext as _l

_AMOUNT = re.compile(r"\d{1,10}(\.\d{1,2})?")


class AmountField(StringField):
    """Shillings typed with digits and at most two decimals ("1500",
    "1500.50"); `data` is integer cents (None when empty)."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_text = text
        if not text:
            self.data = None
            return
        if not _AMOUNT.fullmatch(text):
            self.data = None
            raise ValueError(_l("Write the amount in shillings with digits only, for example "
                                "1500 or 1500.50 (no commas, no KSh)."))
        self.data = int(Decimal(text) * 100)

    def _value(self):
        if getattr(self, "raw_text", None) is not None:
            return self.raw_text
        return f"{Decimal(self.data) / 100:.2f}" if self.data is not None else ""


def _choices(labels, keys):
    return [(k, labels[k]) for k in keys]


class LevelForm(KituoForm):
    highest_level = Choice(_l("Highest level reached"), choices=_choices(L.LEVEL_LABELS, LEVELS))


class FormalForm(KituoForm):
    institution = StringField(_l("School, college or university"), [required(), length(120)])
    programme = StringField(_l("Programme or class"), [optional(), length(120)])
    level = Choice(_l("Level"), choices=_choices(L.LEVEL_LABELS, LEVELS[1:]))
    year_of_study = IntInput(_l("Year of study"), [optional(), number(1, 8)])
    started_on = DateInput(_l("Started"), [optional()])
    expected_completion = DateInput(_l("Expected to finish"), [optional()])
    status = Choice(_l("Status"), choices=_choices(L.FORMAL_STATUS_LABELS, FORMAL_STATUSES))


class ResultForm(KituoForm):
    term = StringField(_l("Term or year"), [required(), length(40)],
                       description=_l("For example: Term 2, 2026."))
    result_text = TextAreaField(_l("Results"), [optional(), length(4000)])
    grade_scale = Choice(_l("Grading"), choices=_choices(L.GRADE_SCALE_LABELS, GRADE_SCALES))
    grade = StringField(_l("Grade"), [optional(), length(8)])


class FeeForm(KituoForm):
    term = StringField(_l("Term or year"), [required(), length(40)])
    fee = AmountField(_l("Fees (KES)"), [required()])
    support = AmountField(_l("Paid by the centre (KES)"), [required()])
    paid_on = DateInput(_l("Paid on"), [optional()])
    note = StringField(_l("Note"), [optional(), length(255)])


class OpportunityForm(KituoForm):
    title = StringField(_l("Title"), [required(), length(160)])
    provider = StringField(_l("Offered by"), [required(), length(120)])
    kind = Choice(_l("Kind"), choices=_choices(L.OPPORTUNITY_KIND_LABELS, OPPORTUNITY_KINDS))
    amount = AmountField(_l("Amount (KES, optional)"), [optional()])
    deadline = DateInput(_l("Deadline"), [optional()])
    eligibility = TextAreaField(_l("Who may apply"), [optional(), length(4000)])
    how_to_apply = TextAreaField(_l("How to apply"), [optional(), length(4000)])
    documents = CheckboxList(_l("Documents an application needs"),
                             choices=_choices(L.DOCUMENT_LABELS, DOCUMENTS))
    active = BooleanField(_l("Open"), default=True)


class OpportunityFilter(GetForm):
    """The opportunities list's filters (a GET: nothing is written)."""
    kind = Choice(_l("Kind"), choices=[("", _l("All"))]
                  + _choices(L.OPPORTUNITY_KIND_LABELS, OPPORTUNITY_KINDS))
    closed = BooleanField(_l("Also past deadlines"))


class ApplicationStartForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(24)],
                              render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class ApplicationForm(KituoForm):
    status = Choice(_l("Status"), choices=_choices(L.APPLICATION_LABELS, APPLICATION_STATUSES))
    documents = CheckboxList(_l("Documents ready"), choices=_choices(L.DOCUMENT_LABELS, DOCUMENTS))
    awarded = AmountField(_l("Amount awarded (KES)"), [optional()],
                          description=_l("When it is awarded; 0 when it is not money."))
    note = TextAreaField(_l("Note"), [optional(), length(4000)])


WEEKDAY_FIELDS = [(f"opens_{d}", f"closes_{d}") for d in range(7)]


class StudyFilter(GetForm):
    """Which place and day the member's free study times are for (a GET:
    nothing is written; the view sets the choices)."""
    place = IdField(_l("Place"))
    day = Choice(_l("Day"))


class ResourceForm(KituoForm):
    name_en = StringField(_l("Name in English"), [required(), length(80)])
    name_sw = StringField(_l("Name in Kiswahili"), [required(), length(80)])
    kind = Radio(_l("Kind"), choices=_choices(L.RESOURCE_KIND_LABELS, RESOURCE_KINDS),
                 default="seats")
    capacity = IntInput(_l("Places"), [required(), number(1, 100)])
    slot_minutes = IntInput(_l("Length of a booking (minutes)"), [required(), number(30, 480)],
                            default=120)
    active = BooleanField(_l("Open for bookings"), default=True)
    opens_0, closes_0 = TimeInput(_l("Opens"), [optional()]), TimeInput(_l("Closes"), [optional()])
    opens_1, closes_1 = TimeInput(_l("Opens"), [optional()]), TimeInput(_l("Closes"), [optional()])
    opens_2, closes_2 = TimeInput(_l("Opens"), [optional()]), TimeInput(_l("Closes"), [optional()])
    opens_3, closes_3 = TimeInput(_l("Opens"), [optional()]), TimeInput(_l("Closes"), [optional()])
    opens_4, closes_4 = TimeInput(_l("Opens"), [optional()]), TimeInput(_l("Closes"), [optional()])
    opens_5, closes_5 = TimeInput(_l("Opens"), [optional()]), TimeInput(_l("Closes"), [optional()])
    opens_6, closes_6 = TimeInput(_l("Opens"), [optional()]), TimeInput(_l("Closes"), [optional()])

    def hours(self) -> dict:
        """weekday -> (opens, closes) for each day with an opening or closing time."""
        result = {}
        for day, (opens, closes) in enumerate(WEEKDAY_FIELDS):
            if self[opens].data or self[closes].data:
                result[day] = (self[opens].data, self[closes].data)
        return result


class BookForm(KituoForm):
    resource = IdField()
    starts_at = HiddenField()


class WalkInForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(24)],
                              render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class PlacementForm(KituoForm):
    kind = Radio(_l("Kind of work"), choices=_choices(L.PLACEMENT_KIND_LABELS, PLACEMENT_KINDS),
                 default="formal")
    employer = StringField(_l("Employer"), [optional(), length(120)],
                           description=_l("Leave empty when self-employed."))
    role = StringField(_l("Role"), [optional(), length(120)])
    start_date = DateInput(_l("Started"), [required()])
    income_band = Choice(_l("Monthly income"), choices=_choices(L.INCOME_BAND_LABELS, INCOME_BANDS))
    course = IdField(_l("After the course (optional)"), choices=[])
    business = IdField(_l("Their own business (optional)"), choices=[],
                       description=_l("For self-employed work: one of the member's businesses "
                                      "recorded with microloans."))


class EndPlacementForm(KituoForm):
    ended_on = DateInput(_l("Ended on"), [required()])


class FollowUpForm(KituoForm):
    still_working = Radio(_l("Still working there?"), coerce=int,
                          choices=[(1, _l("Yes")), (0, _l("No"))],
                          validators=[validators.InputRequired(message=_l("Choose yes or no."))])
    note = StringField(_l("Note (optional)"), [optional(), length(255)])


class ReferralForm(KituoForm):
    kind = Choice(_l("Referred to a"), choices=_choices(L.REFERRAL_KIND_LABELS, REFERRAL_KINDS))
    to_name = StringField(_l("Name"), [required(), length(120)])
    referred_on = DateInput(_l("Date"), [required()])
    purpose = StringField(_l("What for"), [optional(), length(255)])


class ReferralOutcomeForm(KituoForm):
    outcome = Choice(_l("Outcome"), choices=_choices(L.REFERRAL_OUTCOME_LABELS, REFERRAL_OUTCOMES))

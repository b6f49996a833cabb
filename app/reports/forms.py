"""Forms of the reports module (messages from app.forms: translated)."""
from __future__ import annotations

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import NumberRange

from app.forms import (CheckboxList, Choice, DateInput, GetForm, IntInput, KituoForm, length,
                       optional, required)
from app.i18n import lazy_gettext as _l, lazy_pgettext
from app.reports import periods, workplan
from app.reports.indicators import FREQUENCY_LABELS


class PeriodForm(GetForm):
    """Choose a period (GET: no CSRF token)."""
    kind = Choice(_l("Period"), choices=[(k, v) for k, v in periods.KIND_LABELS.items()],
                  default="quarter")
    day = DateInput(_l("A day in the period"), [optional()])
    start = DateInput(_l("First day"), [optional()])
    end = DateInput(_l("Last day"), [optional()])


class IndicatorForm(KituoForm):
    title_en = StringField(lazy_pgettext("indicator", "Title in English"), [required(), length(200)])
    title_sw = StringField(_l("Title in Swahili"), [required(), length(200)])
    objective = Choice(_l("Objective"), coerce=int,
                       choices=[(o, f"{o}. {t}") for o, t in workplan.OBJECTIVES.items()])
    goal = IntInput(_l("Goal"), [required(), NumberRange(1, 3, message=_l("Goal 1, 2 or 3."))])
    activity = IntInput(_l("Activity"), [optional(), NumberRange(
        1, 2, message=_l("Activity 1 or 2, or leave it empty."))])
    baseline = StringField(_l("Baseline"), [optional(), length(30)])
    baseline_on = DateInput(_l("Baseline measured on"), [optional()])
    target = StringField(_l("Target"), [optional(), length(30)])
    target_period = StringField(
        _l("Target period"), [optional(), length(32)],
        description=_l("For example 2026 (a year), FY2025 (July 2025 to June 2026), "
                       "2026-Q2 or 2026-03."))
    frequency = Choice(_l("Reporting frequency"), choices=list(FREQUENCY_LABELS.items()))
    data_source = TextAreaField(_l("Data source"), [optional(), length(1000)])
    active = BooleanField(_l("In the reports"))


class NewIndicatorForm(IndicatorForm):
    numerator = Choice(_l("Figure"), choices=[])
    denominator = Choice(_l("Divided by (for a percentage or an average)"), choices=[])
    kind = Choice(_l("How to read it"), choices=[])


class NarrativeForm(KituoForm):
    highlights = TextAreaField(_l("Highlights"), [optional(), length(4000)])
    challenges = TextAreaField(_l("Challenges"), [optional(), length(4000)])
    lessons = TextAreaField(_l("Lessons learned"), [optional(), length(4000)])


class ExportForm(KituoForm):
    language = Choice(_l("Language"), choices=[("en", "English"), ("sw", "Kiswahili")])


class ExtractForm(KituoForm):
    title = StringField(_l("Title"), [required(), length(120)])
    purpose = TextAreaField(_l("What the research is for"), [optional(), length(2000)])
    period = StringField(_l("Period"), [required(), length(32)],
                         description=_l("For example 2025 (a year), FY2025, 2025-Q3 or "
                                        "2025-01-01_2025-06-30."))
    fields = CheckboxList(_l("Fields"), choices=[])

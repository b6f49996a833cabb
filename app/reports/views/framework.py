"""The indicator framework: every objective and goal of the work plan with
its indicators ("not measured" when none), editing with history."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.registry import registry
from app.reports import bp, indicators, workplan
from app.reports.forms import IndicatorForm, NewIndicatorForm


@bp.route("/indicators")
@requires("reports.manage")
def framework():
    return render_template("reports/framework.html", objectives=indicators.framework(),
                           measurable=indicators.measurable,
                           activity_label=workplan.activity_label,
                           format_value=indicators.format_value)


def _indicator_or_404(key: str):
    indicator = indicators.by_key(key)
    if indicator is None:
        abort(404)
    return indicator


def _form_data(form) -> dict:
    return {name: form[name].data for name in (
        "title_en", "title_sw", "objective", "goal", "activity", "baseline", "baseline_on",
        "target", "target_period", "frequency", "data_source", "active")}


def _fill(form, indicator) -> None:
    for name in ("title_en", "title_sw", "objective", "goal", "activity", "baseline_on",
                 "target_period", "frequency", "data_source", "active"):
        form[name].data = getattr(indicator, name)
    form.baseline.data = indicators.input_value(indicator.baseline, indicator.kind)
    form.target.data = indicators.input_value(indicator.target, indicator.kind)


@bp.route("/indicators/<key>/edit", methods=["GET", "POST"])
@requires("reports.manage")
def edit_indicator(key: str):
    indicator = _indicator_or_404(key)
    form = IndicatorForm()
    if request.method == "GET":
        _fill(form, indicator)
    elif submit(form, lambda: indicators.update(indicator, _form_data(form), current_user),
                _("Indicator saved.")):
        return see_other("reports.framework")
    status = 422 if request.method == "POST" else 200
    return render_template("reports/indicator_form.html", form=form, indicator=indicator,
                           history=indicators.history(indicator), workplan=workplan,
                           metric_label=_metric_label), status


def _metric_label(key: str) -> str:
    metric = registry().metric(key)
    return str(metric.label) if metric else key


def _metric_choices() -> list[tuple[str, str]]:
    return [(m.key, str(m.label)) for m in registry().metrics_for(current_user)]


@bp.route("/indicators/new", methods=["GET", "POST"])
@requires("reports.manage")
def new_indicator():
    form = NewIndicatorForm()
    form.numerator.choices = _metric_choices()
    form.denominator.choices = [("", "—")] + _metric_choices()
    form.kind.choices = [(k, str(v)) for k, v in indicators.KIND_LABELS.items()]
    if request.method == "GET":
        form.active.data = True
        form.frequency.data = "quarterly"
    elif submit(form, lambda: indicators.create(
            dict(_form_data(form), numerator=form.numerator.data,
                 denominator=form.denominator.data, kind=form.kind.data), current_user),
            _("Indicator added.")):
        return see_other("reports.framework")
    status = 422 if request.method == "POST" else 200
    return render_template("reports/indicator_form.html", form=form, indicator=None,
                           history=[], workplan=workplan, metric_label=_metric_label), status

"""Narratives per period and objective, with their history."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.forms import submit
from app.htmx import redirect_after_post
from app.i18n import gettext as _
from app.reports import bp, narratives, workplan
from app.reports.forms import NarrativeForm, PeriodForm
from app.reports.views.report import chosen_period, quick_periods


@bp.route("/narratives")
@requires("reports.manage")
def narratives_page():
    form = PeriodForm(request.args)
    period = chosen_period(form) if (form.validate() or not request.args.get("kind")) else None
    status = 200 if period else 422
    written = narratives.current(period.key) if period else {}
    return render_template("reports/narratives.html", form=form, period=period,
                           written=written, objectives=workplan.OBJECTIVES,
                           quick=quick_periods()), status


@bp.route("/narratives/<period_key>/<int:objective>", methods=["GET", "POST"])
@requires("reports.manage")
def narrative(period_key: str, objective: int):
    from app.reports import periods
    try:
        period = periods.parse(period_key)
    except periods.PeriodError:
        abort(404)
    if objective not in workplan.OBJECTIVES:
        abort(404)
    form = NarrativeForm()
    latest = narratives.current(period.key).get(objective)
    if request.method == "GET" and latest:
        for field in narratives.FIELDS:
            form[field].data = getattr(latest, field)
    elif request.method == "POST" and submit(form, lambda: narratives.save(
            period.key, objective, {f: form[f].data for f in narratives.FIELDS}, current_user),
            _("Narrative saved.")):
        from flask import url_for
        return redirect_after_post(url_for("reports.narratives_page", period=period.key))
    status = 422 if request.method == "POST" else 200
    return render_template("reports/narrative_form.html", form=form, period=period,
                           objective=objective, objective_title=workplan.OBJECTIVES[objective],
                           history=narratives.history(period.key, objective)), status

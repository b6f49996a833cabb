"""The report page, its progress while the worker computes, the drill-down
table and the trend charts."""
from __future__ import annotations

from flask import abort, make_response, request, url_for
from flask_login import current_user

from app.access import requires
from app.forms import add_error
from app.htmx import render
from app.reports import bp, breakdowns, charts, dimensions, indicators, periods, progress, services
from app.reports.forms import PeriodForm
from app.clock import today


def chosen_period(form: PeriodForm):
    """The period asked for (?period=KEY, or the form's kind and dates);
    last quarter by default. None (and errors on the form) when it is not
    one."""
    key = request.args.get("period")
    try:
        if key:
            period = periods.parse(key)
        elif not request.args.get("kind"):
            period = periods.last_complete("quarter", today())
        elif form.kind.data == "custom":
            period = periods.custom(form.start.data, form.end.data)
        else:
            period = periods.containing(form.kind.data, form.day.data or today())
    except periods.PeriodError as error:
        field = "end" if form.kind.data == "custom" and form.start.data else (
            "start" if form.kind.data == "custom" else "kind")
        add_error(form, field, error.message)
        return None
    form.kind.data = period.kind
    form.day.data = period.start
    form.start.data, form.end.data = period.start, period.end
    return period


def _period_form() -> tuple[PeriodForm, bool]:
    form = PeriodForm(request.args)
    valid = form.validate() if request.args.get("kind") else True
    return form, valid


def quick_periods() -> list:
    day = today()
    return [(periods.containing("quarter", day), "this"),
            (periods.last_complete("quarter", day), "last"),
            (periods.containing("year", day), "this"),
            (periods.last_complete("fy", day), "last")]


@bp.route("/")
@requires("reports.open")
def index():
    form, valid = _period_form()
    period = chosen_period(form) if valid else None
    if period is None:
        return render("reports/index.html", "reports/_report.html", status=422, form=form,
                      report=None, quick=quick_periods(), job=None)
    # While the worker computes this page for the person, reloading it (or
    # many tabs, or a slow phone asking again) computes nothing more here:
    # each request spent its whole inline budget before, and a cold year
    # report under 16 connections answered 1.2 per second, some not at all.
    computing = progress.under_way(current_user, period.key)
    report = services.report(current_user, period, compute=computing is None)
    job = (computing or progress.start_if_needed(current_user, period.key, report["left"])) \
        if report["left"] else None
    return render("reports/index.html", "reports/_report.html", form=form, report=report,
                  quick=quick_periods(), job=job)


@bp.route("/progress/<job_id>")
@requires("reports.open")
def computing(job_id):
    """Polled by the progress bar; reloads the page when the figures are in."""
    job = progress.own_job(current_user, job_id)
    if job is None:
        abort(404)
    if job.finished:
        response = make_response("", 200)
        response.headers["HX-Refresh"] = "true"
        return response
    return render("reports/_progress.html", "reports/_progress.html", job=job)


@bp.route("/indicators/<key>")
@requires("reports.open")
def breakdown(key: str):
    indicator = indicators.by_key(key)
    if indicator is None or not indicators.measurable(indicator) or \
            not indicators.may_see(current_user, indicator):
        abort(404)
    form, valid = _period_form()
    period = chosen_period(form) if valid else None
    allowed = breakdowns.allowed(indicator)
    try:
        by = dimensions.parse_by(request.args.get("by", ""), allowed) or allowed[:1]
    except dimensions.BreakdownError as error:
        add_error(form, None, error.message)
        by, period = (), None
    context = dict(indicator=indicator, form=form, allowed=allowed, by=by, quick=quick_periods(),
                   title=indicator.title(services.language()), job=None, table=None,
                   dimension_label=dimensions.label)
    if period is None or not by:
        return render("reports/breakdown.html", "reports/_breakdown.html",
                      status=422 if period is None else 200, period=period, **context)
    figures, left = services.engine.figures(breakdowns.requests(indicator, period, by),
                                            budget_seconds=services.inline_seconds())
    if left:
        context["job"] = progress.start_if_needed(current_user, f"{key}:{period.key}", left)
    else:
        context["table"] = breakdowns.table(indicator, period, by, figures)
    return render("reports/breakdown.html", "reports/_breakdown.html", period=period, **context)


@bp.route("/charts/<digest>.svg")
@requires("reports.open")
def chart(digest: str):
    if len(digest) != 40 or not all(c in "0123456789abcdef" for c in digest):
        abort(404)
    svg = charts.svg_for(digest)
    if svg is None:
        abort(404)
    response = make_response(svg)
    response.mimetype = "image/svg+xml"
    # The chart's own styles are inline (pygal); nothing else may load.
    response.headers["Content-Security-Policy"] = \
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return response


def breakdown_url(indicator, period, by=None) -> str:
    args = {"key": indicator.key, "period": period.key}
    if by:
        args["by"] = ",".join(by)
    return url_for("reports.breakdown", **args)

"""Coordinators' pages: scholarships and opportunities with applications,
the follow-ups due, and the aggregate CSV exports."""
from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request
from flask_login import current_user

from app import audit
from app.access import requires
from app.db import get_or_404
from app.education import bp, employment, figures, opportunities
from app.education.forms import ReportRangeForm
from app.education.labels import education_label
from app.education.forms_support import (
    ApplicationForm, ApplicationStartForm, FollowUpForm, OpportunityFilter, OpportunityForm)
from app.education.support_models import OPPORTUNITY_KINDS
from app.education.support_models import FollowUp, Opportunity
from app.education.views import found
from app.education.views.classes import member_for_code
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.rules import today


@bp.route("/education/opportunities")
@requires("education.manage")
def opportunity_list():
    kind = request.args.get("kind", "")
    if kind not in OPPORTUNITY_KINDS:
        kind = ""
    closed = bool(request.args.get("closed"))
    rows = list(opportunities.catalogue(kind, include_closed=closed).limit(200))
    return render_template("education/opportunities.html", rows=rows,
                           filters=OpportunityFilter(formdata=None, kind=kind, closed=closed),
                           counts=opportunities.application_counts(o.id for o in rows),
                           soon=today() + dt.timedelta(days=opportunities.DEADLINE_DAYS))


def _input(form) -> opportunities.OpportunityInput:
    return opportunities.OpportunityInput(
        title=form.title.data, provider=form.provider.data, kind=form.kind.data,
        amount_cents=form.amount.data, deadline=form.deadline.data,
        eligibility=form.eligibility.data, how_to_apply=form.how_to_apply.data,
        documents=tuple(form.documents.data or ()), active=form.active.data)


@bp.route("/education/opportunities/new", methods=["GET", "POST"])
@requires("education.manage")
def new_opportunity():
    form = OpportunityForm()
    outcome = submit(form, lambda: (opportunities.save_opportunity(None, _input(form),
                                                                           current_user)),
              _("Saved."))
    if outcome:
        return see_other("education.show_opportunity", opportunity_id=outcome.result.id)
    return render_template("education/opportunity_form.html", form=form, opportunity=None), \
        outcome.status


def _opportunity(opportunity_id: int) -> Opportunity:
    return get_or_404(Opportunity, Opportunity.id == opportunity_id)


def _opportunity_page(opportunity, status=200, start_form=None):
    return render_template("education/opportunity.html", opportunity=opportunity,
                           applications=list(opportunities.applications_of(opportunity)),
                           start_form=start_form or ApplicationStartForm(formdata=None)), status


@bp.route("/education/opportunities/<int:opportunity_id>")
@requires("education.manage")
def show_opportunity(opportunity_id: int):
    return _opportunity_page(_opportunity(opportunity_id))


@bp.route("/education/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@requires("education.manage")
def edit_opportunity(opportunity_id: int):
    opportunity = _opportunity(opportunity_id)
    form = OpportunityForm(obj=opportunity if request.method == "GET" else None)
    if request.method == "GET":
        form.amount.data, form.documents.data = opportunity.amount_cents, opportunity.documents
    outcome = submit(form, lambda: opportunities.save_opportunity(opportunity, _input(form),
                                                           current_user), _("Changes saved."))
    if outcome:
        return see_other("education.show_opportunity", opportunity_id=opportunity.id)
    return render_template("education/opportunity_form.html", form=form,
                           opportunity=opportunity), outcome.status


@bp.route("/education/opportunities/<int:opportunity_id>/applications", methods=["POST"])
@requires("education.manage")
def start_application(opportunity_id: int):
    opportunity = _opportunity(opportunity_id)
    form = ApplicationStartForm()
    outcome = submit(form, lambda: (opportunities.start_application(
            opportunity, member_for_code(form.member_code.data), current_user)),
              _("Application started."))
    if outcome:
        return see_other("education.show_application", application_id=outcome.result.id)
    return _opportunity_page(opportunity, 422, form)


@bp.route("/education/applications/<int:application_id>", methods=["GET", "POST"])
@requires("education.manage")
def show_application(application_id: int):
    from app.education.scope import visible_member
    application = found(opportunities.application_by_id(application_id))
    member = found(visible_member(current_user, application.member_id))
    form = ApplicationForm(obj=application if request.method == "GET" else None)
    if request.method == "GET":
        form.documents.data, form.awarded.data = application.documents, application.awarded_cents
    outcome = submit(form, lambda: opportunities.update_application(
            application, form.status.data, form.documents.data or [], form.awarded.data,
            form.note.data, current_user), _("Changes saved."))
    if outcome:
        return see_other("education.show_application", application_id=application.id)
    return render_template("education/application.html", form=form, application=application,
                           opportunity=application.opportunity, member=member,
                           next_statuses=[education_label("application", key) for key in
                                          opportunities.NEXT[application.status]]), \
        outcome.status


@bp.route("/education/follow-ups")
@requires("education.manage")
def follow_ups():
    return _follow_ups_page()


def _follow_ups_page(status: int = 200, failed: dict | None = None):
    """Every follow-up due, each with its own form (`failed`: {follow-up
    id: its form sent back with errors})."""
    rows = list(employment.due_follow_ups(limit=200))
    failed = failed or {}
    forms = {f.id: failed.get(f.id) or FollowUpForm(formdata=None, prefix=f"follow{f.id}")
             for f in rows}
    return render_template("education/follow_ups.html", rows=rows, forms=forms), status


@bp.route("/education/follow-ups/<int:follow_up_id>", methods=["POST"])
@requires("education.manage")
def answer_follow_up(follow_up_id: int):
    row = get_or_404(FollowUp, FollowUp.id == follow_up_id)
    form = FollowUpForm(prefix=f"follow{row.id}")
    outcome = submit(form, lambda: employment.answer_follow_up(row, bool(form.still_working.data),
                                                        form.note.data, actor=current_user),
              _("Saved."))
    if outcome:
        return see_other("education.follow_ups")
    return _follow_ups_page(outcome.status, {row.id: form})


@bp.route("/education/reports")
@requires("education.reports")
def reports():
    form = ReportRangeForm(request.args, meta={"csrf": False})
    if not request.args:
        form.first.data, form.last.data = dt.date(today().year, 1, 1), today()
    return render_template("education/reports.html", form=form, running=figures.classes_running(),
                           rate=figures.completion_rate()), \
        (422 if request.args and not form.validate() else 200)


@bp.route("/education/reports/<any(courses, outcomes):kind>.csv")
@requires("education.reports")
def report_csv(kind: str):
    form = ReportRangeForm(request.args, meta={"csrf": False})
    if not form.validate():
        return render_template("education/reports.html", form=form,
                               running=figures.classes_running(),
                               rate=figures.completion_rate()), 422
    make = figures.courses_csv if kind == "courses" else figures.outcomes_csv
    body = make(form.first.data, form.last.data)
    audit.record("education.report_exported", "education_report", kind,
                 f"{form.first.data} to {form.last.data}", actor=current_user)
    name = f"education-{kind}-{form.first.data}-{form.last.data}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})

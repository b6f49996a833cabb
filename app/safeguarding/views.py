"""Safeguarding pages: raise a concern (pre-fillable), the leads' list and
handling, the raiser's own read-only view, and the urgent badge that every
lead's dashboard polls."""
from __future__ import annotations

from flask import flash, render_template, request
from app.i18n import gettext as _
from flask_login import current_user

from app.access import requires, user_can
from app.forms import submit
from app.htmx import render, see_other
from app.urls import page_arg, parse_int
from app.db import get_or_404
from app.members.models import Member
from app.safeguarding import bp, services
from app.safeguarding.forms import ConcernForm, NoteForm, ReopenForm, ReviewForm, StatusForm
from app.safeguarding.models import CATEGORIES, LIMITS, SOURCES, URGENCIES, Concern


def _concern_or_404(concern_id: int):
    return get_or_404(services.visible_concerns(current_user), Concern.id == concern_id)


@bp.route("/")
@requires("safeguarding.manage")
def index():
    status = request.args.get("status", "active")
    page = services.list_concerns(current_user, status, page_arg())
    return render("safeguarding/list.html", "safeguarding/_rows.html", filter_status=status,
                  mine=False, today=services.today(), review_passed=services.review_passed,
                  **page)


@bp.route("/mine")
@requires("safeguarding.raise")
def mine():
    page = services.list_concerns(current_user, "", page_arg(),
                                  mine=True)
    return render("safeguarding/list.html", "safeguarding/_rows.html", filter_status="", mine=True,
                  today=services.today(), review_passed=services.review_passed, **page)


@bp.route("/badge")
@requires("safeguarding.manage")
def badge():
    """Polled every few seconds by each lead's dashboard: one indexed count."""
    return render_template("safeguarding/_badge.html", count=services.urgent_waiting_count())


def _member_for_form(member_id):
    if not member_id:
        return None
    return get_or_404(services.members_to_name(current_user), Member.id == parse_int(member_id))


@bp.route("/concerns/new", methods=["GET", "POST"])
@requires("safeguarding.raise")
def new():
    """Pre-fill with ?member=ID&source=session_log&ref=ID&category=..&urgency=.."""
    args = request.args if request.method == "GET" else request.form
    member = _member_for_form(args.get("member"))
    form = ConcernForm()
    if request.method == "GET":
        form.source.data = args.get("source") if args.get("source") in SOURCES else "other"
        form.ref.data = (args.get("ref") or "")[:LIMITS["source_ref"]]
        if args.get("category") in CATEGORIES:
            form.category.data = args["category"]
        if args.get("urgency") in URGENCIES:
            form.urgency.data = args["urgency"]
    outcome = submit(form, lambda: services.raise_concern_about(
        member, form.member_code.data, current_user, form.category.data, form.urgency.data,
        form.what_happened.data, form.action_taken.data, form.source.data or "other",
        form.ref.data or ""), _("Thank you. The safeguarding leads have your concern now."))
    if outcome:
        return see_other("safeguarding.show", concern_id=outcome.result.id)
    return render_template("safeguarding/new.html", form=form, member=member), outcome.status


def _concern_page(concern, status: int = 200, **forms):
    manage = user_can(current_user, "safeguarding.manage")
    context = dict(concern=concern, manage=manage,
                   review_passed=services.review_passed(concern),
                   named=services.members_named_for(current_user, [concern]))
    if manage:
        context.update(
            actions=list(services.actions_of(concern)),
            status_form=(forms.get("status_form") or StatusForm(formdata=None)).offer(
                services.TRANSITIONS[concern.status]),
            note_form=forms.get("note_form") or NoteForm(formdata=None),
            review_form=forms.get("review_form") or ReviewForm(formdata=None,
                                                               review_on=concern.review_on),
            next_statuses=services.TRANSITIONS[concern.status],
            reopen_form=forms.get("reopen_form") or ReopenForm(formdata=None))
    return render_template("safeguarding/show.html", **context), status


@bp.route("/concerns/<int:concern_id>")
@requires("safeguarding.raise")
def show(concern_id: int):
    concern = _concern_or_404(concern_id)
    services.record_read(concern, current_user)
    return _concern_page(concern)


@bp.route("/concerns/<int:concern_id>/acknowledge", methods=["POST"])
@requires("safeguarding.manage")
def acknowledge(concern_id: int):
    concern = _concern_or_404(concern_id)
    services.acknowledge(concern, current_user)
    flash(_("Acknowledged: the other leads see that you have taken it."), "success")
    return see_other("safeguarding.show", concern_id=concern.id)


def _lead_action(concern, form, form_name: str, action, done: str):
    """A lead's form on the concern page: do it and go back to the page, or
    show the page again (it is a read of the concern: audited) with the
    form's errors next to its fields."""
    outcome = submit(form, action, done)
    if outcome:
        return see_other("safeguarding.show", concern_id=concern.id)
    services.record_read(concern, current_user)
    return _concern_page(concern, outcome.status, **{form_name: form})


@bp.route("/concerns/<int:concern_id>/status", methods=["POST"])
@requires("safeguarding.manage")
def change_status(concern_id: int):
    concern, form = _concern_or_404(concern_id), StatusForm()
    return _lead_action(concern, form, "status_form", lambda: services.set_status(
        concern, current_user, form.status.data, form.outcome.data), _("Status changed."))


@bp.route("/concerns/<int:concern_id>/notes", methods=["POST"])
@requires("safeguarding.manage")
def add_note(concern_id: int):
    concern, form = _concern_or_404(concern_id), NoteForm()
    return _lead_action(concern, form, "note_form", lambda: services.add_note(
        concern, current_user, form.text.data), _("Added to the action log."))


@bp.route("/concerns/<int:concern_id>/review", methods=["POST"])
@requires("safeguarding.manage")
def set_review(concern_id: int):
    concern, form = _concern_or_404(concern_id), ReviewForm()
    return _lead_action(concern, form, "review_form", lambda: services.set_review(
        concern, current_user, form.review_on.data), _("Review date saved."))


@bp.route("/concerns/<int:concern_id>/reopen", methods=["POST"])
@requires("safeguarding.manage")
def reopen(concern_id: int):
    concern, form = _concern_or_404(concern_id), ReopenForm()
    return _lead_action(concern, form, "reopen_form", lambda: services.reopen(
        concern, current_user, form.reason.data), _("Reopened: the concern is in progress again."))

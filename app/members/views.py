"""Members: list and search, profile, consent, induction, buddy, accounts,
data rights, import, checklist settings, and the member's own home (/me)."""
from __future__ import annotations

import datetime as dt
import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from app.i18n import gettext as _
from flask_login import current_user

from app.access import requires, user_can
from app.auth.tasks import render_setup_slip
from app.clock import to_utc, utcnow
from app.db import get_or_404
from app.forms import ButtonForm, submit
from app.htmx import render, see_other
from app.jobs import services as jobs
from app.members import bp, imports, labels, services, tasks
from app.members.labels import source_label
from app.members.forms import (
    AnonymiseForm, BuddyForm, BuddyRemoveForm, ConsentForm, FilterForm, ImportForm, MeetingForm,
    MemberForm, SourceForm, StatusForm, StepDoneForm, StepForm)
from app.members.models import InductionMeeting, InductionStep, Member, MemberImport, ReferralSource
from app.registry import registry
from app.urls import page_arg


def _member_or_404(member_id: int):
    """Only members this user may see; everyone else is a 404."""
    member = services.visible_member(current_user, member_id)
    if member is None:
        abort(404)
    return member


def _form_data(form: MemberForm) -> dict:
    data = {name: form[name].data for name in services.EDITABLE_FIELDS if name in form}
    data["referral_source"] = form.referral_source.data or None
    return data


def _sources():
    return [(s, source_label(s)) for s in services.referral_sources()]


# --- list and search ----------------------------------------------------------------

@bp.route("/members/")
@requires("members.view")
def index():
    form = FilterForm(request.args)
    form.validate()
    page, identity_search = services.list_page(
        current_user, form.q.data or "", form.status.data or "", form.need.data or "",
        page_arg())
    if identity_search:
        from app import audit
        audit.record("member.identity_search", "member", None,
                     f"{'more than ' if page['more'] else ''}{page['total']} results")
    return render("members/list.html", "members/_results.html", form=form,
                  status_names=labels.names(labels.STATUS_LABELS),
                  need_names=labels.names(labels.NEED_LABELS),
                  parts=services.parts_for(current_user), **page)


# --- register and edit ------------------------------------------------------------------

@bp.route("/members/new", methods=["GET", "POST"])
@requires("members.edit")
def new():
    form = MemberForm()
    form.set_choices(_sources())
    if not user_can(current_user, "members.identity"):
        for name in services.RESTRICTED_FIELDS:
            delattr(form, name)
    if request.method == "GET":
        form.joined_on.data = services.today()
        form.language.data = "sw"
    outcome = submit(form, lambda: services.create_member(_form_data(form), actor=current_user))
    if outcome:
        flash(_("Member %(code)s registered. Record their consent next.",
                code=outcome.result.code), "success")
        return see_other("members.show", member_id=outcome.result.id)
    return render_template("members/form.html", form=form, member=None), outcome.status


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@requires("members.edit")
def edit(member_id: int):
    member = _member_or_404(member_id)
    if member.anonymised_at:
        abort(404)
    may_identity = user_can(current_user, "members.identity")
    form = MemberForm(obj=member if request.method == "GET" else None)
    form.set_choices(_sources())
    if not may_identity:
        for name in services.RESTRICTED_FIELDS:
            delattr(form, name)
    if request.method == "GET":
        form.needs.data = member.needs
        form.referral_source.data = str(member.referral_source_id or "")
        form.birth_year.data = str(member.birth_year or "")
        if may_identity:
            services.view_identity(member, current_user)
    outcome = submit(form, lambda: services.update_member(member, _form_data(form), current_user,
                                                          may_identity))
    if outcome:
        flash(_("Changes saved.") if outcome.result else _("Nothing was changed."), "success")
        return see_other("members.show", member_id=member.id)
    return render_template("members/form.html", form=form, member=member), outcome.status


# --- profile --------------------------------------------------------------------------------

def _profile(member, status: int = 200, **forms):
    """The member page: only the parts of the record the user's roles see
    (services.parts_for); the others are neither queried nor shown. A form
    that was submitted comes back with its errors; only the forms the page
    shows are built."""
    parts = services.parts_for(current_user)
    status_form = meeting_form = None
    if user_can(current_user, "members.edit"):
        status_form = forms.get("status_form") or StatusForm(formdata=None)
        status_form.set_choices([s for s in services.allowed_transitions(member)
                                 if s != "active" or member.status == "alumni"])
    may_induct = (user_can(current_user, "members.induction") and member.status != "exited"
                  and not member.anonymised_at)
    if may_induct and "meetings" in parts:
        meeting_form = forms.get("meeting_form") or MeetingForm(formdata=None)
    context = dict(
        member=member, parts=parts, status_form=status_form, meeting_form=meeting_form,
        step_form=forms.get("step_form"),
        failed_step=forms.get("failed_step"))
    if "induction" in parts:
        context["progress"] = services.induction_progress(member)
    if "consent" in parts:
        consents = services.latest_consents(member)
        context.update(consents=consents, may_process=bool(
            consents["processing"] and consents["processing"].given))
    if "buddy" in parts:
        buddy, buddy_of = services.buddy_and_buddies_of(member)
        context.update(buddy=buddy, buddy_of=buddy_of)
        if may_induct:
            # the current buddy is shown in the field (Change); removing is its own, asked action
            context["buddy_form"] = forms.get("buddy_form") or BuddyForm(
                formdata=None, buddy_code=buddy.code if buddy else "")
            if buddy:
                context["buddy_remove_form"] = (forms.get("buddy_remove_form")
                                                or BuddyRemoveForm(formdata=None))
    if "meetings" in parts:
        context["meetings"] = services.planned_meetings(member)
    if "referral" in parts:
        context["source"] = services.referral_source_label(member.referral_source_id)
    if "login" in parts and member.user_id:
        context["account"] = services.account_summary(member.user_id)
    return render_template("members/show.html", **context), status


@bp.route("/members/<int:member_id>")
@requires("members.view")
def show(member_id: int):
    return _profile(_member_or_404(member_id))


@bp.route("/members/<int:member_id>/identity")
@requires("members.view", "members.identity")
def identity(member_id: int):
    member = _member_or_404(member_id)
    details = services.view_identity(member, current_user)
    return render("members/identity.html", "members/_identity.html", member=member,
                  details=details)


@bp.route("/members/<int:member_id>/history")
@requires("members.view")
def history(member_id: int):
    member = _member_or_404(member_id)
    rows = list(services.history(member, current_user).limit(500))
    if any(r.restricted for r in rows):     # only who sees identity gets these
        services.view_identity(member, current_user)
    return render_template("members/history.html", member=member, rows=rows)


@bp.route("/members/<int:member_id>/status", methods=["POST"])
@requires("members.edit")
def change_status(member_id: int):
    member = _member_or_404(member_id)
    form = StatusForm()
    form.set_choices(services.allowed_transitions(member))
    outcome = submit(form, lambda: services.change_status(
        member, form.status.data, current_user, form.exit_reason.data or ""), _("Status changed."))
    if outcome:
        return see_other("members.show", member_id=member.id)
    return _profile(member, outcome.status, status_form=form)


# --- consent --------------------------------------------------------------------------------

@bp.route("/members/<int:member_id>/consents", methods=["GET", "POST"])
@requires("members.view", "members.consent")
def consents(member_id: int):
    member = _member_or_404(member_id)
    if member.anonymised_at:
        abort(404)
    latest = services.latest_consents(member)
    form = ConsentForm()
    if request.method == "GET":
        form.recorded_on.data = services.today()
        form.language.data = member.language
        form.prefill(latest)
    outcome = submit(form, lambda: services.record_answers(
        member, form.answers(), form.method.data, form.language.data, current_user,
        form.recorded_on.data, form.note.data), _("Consent recorded."))
    if outcome:
        return see_other("members.show", member_id=member.id, _anchor="consent")
    return render_template("members/consents.html", member=member, form=form, consents=latest,
                           history=list(services.consent_history(member))), outcome.status


def _document(member, title, retry_endpoint: str, anchor: str) -> jobs.Document:
    """A document printed for `member`: its page names it, links back to the
    member's section and prints it again with the same POST (Retry)."""
    return jobs.Document(str(title), member.code,
                         url_for("members.show", member_id=member.id, _anchor=anchor),
                         url_for(retry_endpoint, member_id=member.id))


def _slip(member) -> jobs.Document:
    # Retry prints a new slip (a new code; the login exists by then)
    return _document(member, _("Setup slip"), "members.setup_slip", "account")


@bp.route("/members/<int:member_id>/consent-form", methods=["POST"])
@requires("members.view", "members.consent")
def consent_form(member_id: int):
    member = _member_or_404(member_id)
    job = jobs.start("consent_form", current_user, tasks.render_consent_form, member_id=member.id,
                     document=_document(member, _("Consent form"), "members.consent_form", "consent"))
    return see_other("jobs.show", job_id=job.id)


# --- induction -----------------------------------------------------------------------------------

@bp.route("/members/<int:member_id>/induction/<int:step_id>", methods=["POST"])
@requires("members.view", "members.induction")
def complete_step(member_id: int, step_id: int):
    member = _member_or_404(member_id)
    step = get_or_404(InductionStep, InductionStep.id == step_id)
    form = StepDoneForm()
    outcome = submit(form, lambda: services.complete_step(member, step, current_user,
                                                          form.note.data), _("Step done."))
    if outcome:
        return redirect(url_for("members.show", member_id=member.id) + "#induction", code=303)
    return _profile(member, outcome.status, step_form=form, failed_step=step.id)


@bp.route("/members/<int:member_id>/induction/confirm", methods=["POST"])
@requires("members.view", "members.induction")
def confirm_induction(member_id: int):
    member = _member_or_404(member_id)
    outcome = submit(ButtonForm(), lambda: services.confirm_induction(member, current_user),
                     _("Induction confirmed: %(code)s is now an active member.", code=member.code))
    if outcome:
        return see_other("members.show", member_id=member.id)
    flash(str(outcome.message), "error")
    return _profile(member, outcome.status)


@bp.route("/members/<int:member_id>/induction-pack", methods=["POST"])
@requires("members.view", "members.induction")
def induction_pack(member_id: int):
    member = _member_or_404(member_id)
    if member.anonymised_at:
        abort(404)
    job = jobs.start("induction_pack", current_user, tasks.render_induction_pack,
                     member_id=member.id, document=_document(
                         member, _("Induction pack"), "members.induction_pack", "induction"))
    return see_other("jobs.show", job_id=job.id)


@bp.route("/members/<int:member_id>/meetings", methods=["POST"])
@requires("members.view", "members.induction")
def add_meeting(member_id: int):
    member = _member_or_404(member_id)
    form = MeetingForm()
    outcome = submit(form, lambda: services.schedule_meeting(
        member, to_utc(form.starts_at.data), form.with_buddy.data, current_user),
        _("Meeting planned."))
    if outcome:
        return see_other("members.show", member_id=member.id)
    return _profile(member, outcome.status, meeting_form=form)


@bp.route("/members/<int:member_id>/meetings/<int:meeting_id>/cancel", methods=["POST"])
@requires("members.view", "members.induction")
def cancel_meeting(member_id: int, meeting_id: int):
    member = _member_or_404(member_id)
    meeting = get_or_404(services.meetings_of(member), InductionMeeting.id == meeting_id)
    services.cancel_meeting(meeting, current_user)
    flash(_("Meeting cancelled."), "success")
    return see_other("members.show", member_id=member.id)


@bp.route("/members/<int:member_id>/buddy", methods=["POST"])
@requires("members.view", "members.induction")
def set_buddy(member_id: int):
    member = _member_or_404(member_id)
    form = BuddyForm()
    outcome = submit(form, lambda: services.assign_buddy(member, form.buddy_code.data,
                                                         current_user))
    if outcome:
        flash(_("Peer buddy assigned."), "success")
        return see_other("members.show", member_id=member.id)
    return _profile(member, outcome.status, buddy_form=form)


@bp.route("/members/<int:member_id>/buddy/remove", methods=["POST"])
@requires("members.view", "members.induction")
def remove_buddy(member_id: int):
    member = _member_or_404(member_id)
    form = BuddyRemoveForm()
    if submit(form, lambda: services.remove_buddy(member, current_user),
              _("Peer buddy removed.")):
        return see_other("members.show", member_id=member.id)
    return _profile(member, 422, buddy_remove_form=form)


# --- member login ------------------------------------------------------------------------------

@bp.route("/members/<int:member_id>/account", methods=["POST"])
@requires("members.view", "members.accounts")
def create_account(member_id: int):
    member = _member_or_404(member_id)
    outcome = submit(ButtonForm(), lambda: services.create_account(member, current_user))
    if not outcome:
        flash(str(outcome.message), "error")
        return _profile(member, outcome.status)
    job = jobs.start("setup_slip", current_user, render_setup_slip, user_id=outcome.result.id,
                     issued_by_id=current_user.id, document=_slip(member))
    flash(_("Login created. Give the member the setup slip."), "success")
    return see_other("jobs.show", job_id=job.id)


@bp.route("/members/<int:member_id>/account/slip", methods=["POST"])
@requires("members.view", "members.accounts")
def setup_slip(member_id: int):
    member = _member_or_404(member_id)
    if not member.user_id or not member.user.active:
        abort(404)
    job = jobs.start("setup_slip", current_user, render_setup_slip, user_id=member.user_id,
                     issued_by_id=current_user.id, document=_slip(member))
    return see_other("jobs.show", job_id=job.id)


# --- data rights -----------------------------------------------------------------------------

@bp.route("/members/<int:member_id>/export.json")
@requires("members.view", "members.data_rights")
def export_json(member_id: int):
    member = _member_or_404(member_id)
    services.record_export(member, "json", current_user)
    body = json.dumps(services.export_data(member), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=kituo-data-{member.code}.json"})


@bp.route("/members/<int:member_id>/export.pdf", methods=["POST"])
@requires("members.view", "members.data_rights")
def export_pdf(member_id: int):
    member = _member_or_404(member_id)
    services.record_export(member, "pdf", current_user)
    job = jobs.start("member_export", current_user, tasks.render_member_export,
                     member_id=member.id, language=current_user.language, document=_document(
                         member, _("Data export"), "members.export_pdf", "data-rights"))
    return see_other("jobs.show", job_id=job.id)


@bp.route("/members/<int:member_id>/anonymise", methods=["GET", "POST"])
@requires("members.view", "members.data_rights")
def anonymise(member_id: int):
    member = _member_or_404(member_id)
    if member.anonymised_at:
        flash(_("This member is already anonymised."), "info")
        return see_other("members.show", member_id=member.id)
    form = AnonymiseForm()
    outcome = submit(form, lambda: services.anonymise(member, form.confirm.data, current_user),
                     _("The member's identity was removed for good."))
    if outcome:
        return see_other("members.show", member_id=member.id)
    return render_template("members/anonymise.html", member=member, form=form), outcome.status


@bp.route("/members/retention")
@requires("members.data_rights")
def retention():
    page = services.page_of(services.retention_due(), page_arg())
    return render_template("members/retention.html", years=services.retention_years(), **page)


# --- import ------------------------------------------------------------------------------------

@bp.route("/members/import", methods=["GET", "POST"])
@requires("members.import")
def import_upload():
    form = ImportForm()
    outcome = submit(form, lambda: imports.start_check(form.file.data, current_user))
    if outcome:
        return see_other("members.import_show", import_id=outcome.result.id)
    return render_template("members/import.html", form=form), outcome.status


@bp.route("/members/import/template.csv")
@requires("members.import")
def import_template():
    return Response("\ufeff" + imports.template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=kituo-members-template.csv"})


def _own_import(import_id):
    return get_or_404(imports.own_imports(current_user), MemberImport.id == import_id)


@bp.route("/members/import/<import_id>")
@requires("members.import")
def import_show(import_id):
    batch = _own_import(import_id)
    return render("members/import_show.html", "members/_import_status.html", batch=batch,
                  **imports.status_of(batch))


@bp.route("/members/import/<import_id>/confirm", methods=["POST"])
@requires("members.import")
def import_confirm(import_id):
    batch = _own_import(import_id)
    outcome = submit(ButtonForm(), lambda: imports.confirm(batch, current_user))
    if not outcome:
        flash(str(outcome.message), "error")
    return see_other("members.import_show", import_id=batch.id)


@bp.route("/members/import/<import_id>/cancel", methods=["POST"])
@requires("members.import")
def import_cancel(import_id):
    if imports.cancel(_own_import(import_id)):
        flash(_("Import cancelled; nothing was written."), "info")
    return see_other("members.import_upload")


# --- checklist and referral sources --------------------------------------------------------------

@bp.route("/members/settings", methods=["GET", "POST"])
@requires("induction.configure")
def settings():
    step_form, source_form = StepForm(prefix="step"), SourceForm(prefix="source")
    if request.form.get("form") == "step":
        outcome = submit(step_form, lambda: services.save_step(
            None, step_form.title_en.data, step_form.title_sw.data,
            step_form.required_step.data, current_user), _("Changes saved."))
    else:
        outcome = submit(source_form, lambda: services.add_source(source_form.name.data,
                                                                  current_user),
                         _("Changes saved."))
    if outcome:
        return see_other("members.settings")
    return render_template("members/settings.html", steps=services.checklist(True),
                           sources=services.referral_sources(True), step_form=step_form,
                           source_form=source_form, label=source_label), outcome.status


@bp.route("/members/settings/steps/<int:step_id>", methods=["GET", "POST"])
@requires("induction.configure")
def edit_step(step_id: int):
    step = get_or_404(InductionStep, InductionStep.id == step_id)
    form = StepForm(obj=step if request.method == "GET" else None)
    if request.method == "GET":
        form.required_step.data = step.required
    outcome = submit(form, lambda: services.save_step(
        step, form.title_en.data, form.title_sw.data, form.required_step.data, current_user),
        _("Changes saved."))
    if outcome:
        return see_other("members.settings")
    return render_template("members/step_form.html", form=form, step=step), outcome.status


@bp.route("/members/settings/steps/<int:step_id>/<action>", methods=["POST"])
@requires("induction.configure")
def step_action(step_id: int, action: str):
    step = get_or_404(InductionStep, InductionStep.id == step_id)
    if action in ("up", "down"):
        services.move_step(step, -1 if action == "up" else 1, current_user)
    elif action in ("retire", "restore"):
        services.set_step_active(step, action == "restore", current_user)
    else:
        abort(404)
    return see_other("members.settings")


@bp.route("/members/settings/sources/<int:source_id>/<action>", methods=["POST"])
@requires("induction.configure")
def source_action(source_id: int, action: str):
    source = get_or_404(ReferralSource, ReferralSource.id == source_id)
    if action not in ("retire", "restore"):
        abort(404)
    services.set_source_active(source, action == "restore", current_user)
    return see_other("members.settings")


# --- the member's own home ---------------------------------------------------------------------

@bp.route("/me")
@requires("member.home")
def me():
    member = services.member_for_user(current_user)
    if member is None or member.anonymised_at:
        return render_template("members/me.html", member=None)
    now = utcnow()
    schedule = registry().schedule_for(member, now, now + dt.timedelta(days=60))
    buddy, buddy_of = services.buddy_and_buddies_of(member)
    return render_template("members/me.html", member=member, schedule=schedule,
                           consents=services.latest_consents(member),
                           buddy=buddy, buddy_of=buddy_of)

"""A member's education record (coordinators): courses with progress,
formal education with results and fees, applications, placements and
referrals, each with its form."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.db import get_or_404
from app.education import bp, employment, formal, members_side, opportunities
from app.education.scope import visible_member
from app.education.forms_support import (
    EndPlacementForm, FeeForm, FormalForm, LevelForm, PlacementForm, ReferralForm,
    ReferralOutcomeForm, ResultForm)
from app.education.support_models import FormalEnrolment, Placement, Referral
from app.education.views import found
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _


def _member(member_id: int):
    member = found(visible_member(current_user, member_id))
    return abort(404) if member.anonymised_at else member


def _course_choices():
    from app.education import courses
    from app.i18n import lang_code
    return [("", _("None"))] + [(c.id, c.title(lang_code())) for c in courses.courses()]


def _business_choices(member):
    return [("", _("None"))] + [(b.id, b.name) for b in employment.businesses_to_choose(member)]


def _placement_form(member, **kwargs) -> PlacementForm:
    form = PlacementForm(**kwargs)
    form.course.choices = _course_choices()
    form.business.choices = _business_choices(member)
    return form


def _page(member, status: int = 200, **forms):
    formal_rows = formal.formal_of(member)
    results, fees = formal.results_and_fees(f.id for f in formal_rows)
    placements = employment.placements_of(member)
    profile = formal.profile_of(member)
    placement_form = forms.get("placement_form") or _placement_form(member, formdata=None)
    referrals = employment.referrals_of(member)
    context = dict(
        member=member, learning=members_side.learning_rows(member),
        profile=profile, formal_rows=formal_rows, results=results, fees=fees,
        applications=list(opportunities.applications_of_member(member)),
        placements=placements, follow_ups=employment.follow_ups_of(p.id for p in placements),
        business_names=employment.business_names(placements),
        referrals=referrals,
        outcome_forms={r.id: _row_form(forms, "outcome_form", "failed_referral", r.id,
                                       lambda r=r: ReferralOutcomeForm(
                                           formdata=None, prefix=f"outcome{r.id}", outcome=r.outcome))
                       for r in referrals},
        level_form=forms.get("level_form") or LevelForm(
            formdata=None, highest_level=profile.highest_level if profile else "none"),
        formal_form=forms.get("formal_form") or FormalForm(formdata=None),
        result_forms={f.id: _row_form(forms, "result_form", "failed_formal", f.id,
                                      lambda f=f: ResultForm(formdata=None, prefix=f"result{f.id}"))
                      for f in formal_rows},
        fee_forms={f.id: _row_form(forms, "fee_form", "failed_formal", f.id,
                                   lambda f=f: FeeForm(formdata=None, prefix=f"fee{f.id}"))
                   for f in formal_rows},
        failed_formal=forms.get("failed_formal"),
        end_forms={p.id: _row_form(forms, "end_form", "failed_placement", p.id,
                                   lambda p=p: EndPlacementForm(formdata=None, prefix=f"end{p.id}"))
                   for p in placements},
        placement_form=placement_form,
        referral_form=forms.get("referral_form") or ReferralForm(formdata=None),
        )
    return render_template("education/member.html", **context), status


def _row_form(forms: dict, name: str, failed: str, row_id: int, fresh):
    """The form of one row (a referral, a formal enrolment, a placement):
    the one just posted, with its errors, when that row's POST failed;
    otherwise `fresh()`."""
    if forms.get(failed) == row_id and name in forms:
        return forms[name]
    return fresh()


def _saved_or_again(outcome, member, anchor: str, **forms):
    """After a POST on the record: back to it at `anchor` when the change
    was saved, else the record again with the form's errors."""
    if outcome:
        return see_other("education.member_record", member_id=member.id, _anchor=anchor)
    return _page(member, outcome.status, **forms)


@bp.route("/education/members/<int:member_id>")
@requires("education.manage")
def member_record(member_id: int):
    return _page(_member(member_id))


@bp.route("/education/members/<int:member_id>/level", methods=["POST"])
@requires("education.manage")
def set_level(member_id: int):
    member = _member(member_id)
    form = LevelForm()
    outcome = submit(form, lambda: formal.set_highest_level(member, form.highest_level.data,
                                                     current_user), _("Changes saved."))
    return _saved_or_again(outcome, member, "formal", level_form=form)


@bp.route("/education/members/<int:member_id>/formal", methods=["POST"])
@requires("education.manage")
def add_formal(member_id: int):
    member = _member(member_id)
    form = FormalForm()
    outcome = submit(form, lambda: formal.save_formal(
            member, None, form.institution.data, form.programme.data, form.level.data,
            form.year_of_study.data, form.started_on.data, form.expected_completion.data,
            form.status.data, current_user), _("Saved."))
    return _saved_or_again(outcome, member, "formal", formal_form=form)


def _formal(formal_id: int) -> FormalEnrolment:
    row = get_or_404(FormalEnrolment, FormalEnrolment.id == formal_id)
    _member(row.member_id)
    return row


@bp.route("/education/formal/<int:formal_id>/edit", methods=["GET", "POST"])
@requires("education.manage")
def edit_formal(formal_id: int):
    row = _formal(formal_id)
    form = FormalForm(obj=row if request.method == "GET" else None)
    outcome = submit(form, lambda: formal.save_formal(
            row.member, row, form.institution.data, form.programme.data, form.level.data,
            form.year_of_study.data, form.started_on.data, form.expected_completion.data,
            form.status.data, current_user), _("Changes saved."))
    if outcome:
        return see_other("education.member_record", member_id=row.member_id, _anchor="formal")
    return render_template("education/formal_form.html", form=form, row=row), \
        outcome.status


@bp.route("/education/formal/<int:formal_id>/results", methods=["POST"])
@requires("education.manage")
def add_result(formal_id: int):
    row = _formal(formal_id)
    form = ResultForm(prefix=f"result{row.id}")
    outcome = submit(form, lambda: formal.add_result(row, form.term.data, form.result_text.data,
                                              form.grade_scale.data, form.grade.data,
                                              current_user), _("Saved."))
    return _saved_or_again(outcome, row.member, f"formal-{row.id}", result_form=form,
                           failed_formal=row.id)


@bp.route("/education/formal/<int:formal_id>/fees", methods=["POST"])
@requires("education.manage")
def add_fee(formal_id: int):
    row = _formal(formal_id)
    form = FeeForm(prefix=f"fee{row.id}")
    outcome = submit(form, lambda: formal.add_fee(row, form.term.data, form.fee.data, form.support.data,
                                           form.paid_on.data, form.note.data, current_user),
              _("Saved."))
    return _saved_or_again(outcome, row.member, f"formal-{row.id}", fee_form=form,
                           failed_formal=row.id)


@bp.route("/education/members/<int:member_id>/placements", methods=["POST"])
@requires("education.manage")
def add_placement(member_id: int):
    member = _member(member_id)
    form = _placement_form(member)
    outcome = submit(form, lambda: employment.record_placement(member, employment.PlacementInput(
            kind=form.kind.data, employer=form.employer.data, role=form.role.data,
            start_date=form.start_date.data, income_band=form.income_band.data,
            course_id=form.course.data, business_id=form.business.data), current_user),
              _("Placement saved. Follow-ups at 3, 6 and 12 months are planned."))
    return _saved_or_again(outcome, member, "work", placement_form=form)


@bp.route("/education/placements/<int:placement_id>/end", methods=["POST"])
@requires("education.manage")
def end_placement(placement_id: int):
    placement = get_or_404(Placement, Placement.id == placement_id)
    member = _member(placement.member_id)
    form = EndPlacementForm(prefix=f"end{placement.id}")
    outcome = submit(form, lambda: employment.end_placement(placement, form.ended_on.data, current_user),
              _("Saved."))
    return _saved_or_again(outcome, member, "work", end_form=form, failed_placement=placement.id)


@bp.route("/education/members/<int:member_id>/referrals", methods=["POST"])
@requires("education.manage")
def add_referral(member_id: int):
    member = _member(member_id)
    form = ReferralForm()
    outcome = submit(form, lambda: employment.record_referral(member, form.kind.data, form.to_name.data,
                                                       form.referred_on.data, form.purpose.data,
                                                       current_user), _("Referral saved."))
    return _saved_or_again(outcome, member, "referrals", referral_form=form)


@bp.route("/education/referrals/<int:referral_id>/outcome", methods=["POST"])
@requires("education.manage")
def referral_outcome(referral_id: int):
    referral = get_or_404(Referral, Referral.id == referral_id)
    member = _member(referral.member_id)
    form = ReferralOutcomeForm(prefix=f"outcome{referral.id}")
    outcome = submit(form, lambda: employment.set_referral_outcome(referral, form.outcome.data,
                                                            current_user), _("Saved."))
    return _saved_or_again(outcome, member, "referrals", outcome_form=form,
                           failed_referral=referral.id)

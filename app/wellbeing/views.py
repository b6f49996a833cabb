"""The member's wellbeing check on their phone, their own trend, and a
counsellor's view of a member's scores."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _, lang_code
from app.members.services import member_for_user
from app.wellbeing import bp, charts, services
from app.wellbeing.forms import AgreeForm, CheckForm


def _own_member():
    member = member_for_user(current_user)
    if member is None or member.anonymised_at:
        abort(404)
    return member


@bp.route("/me/wellbeing", methods=["GET", "POST"])
@requires("wellbeing.self")
def mine():
    member = _own_member()
    form = CheckForm()
    if request.method == "POST" and submit(
            form, lambda: services.record(member, {q: form[q].data for q in services.QUESTIONS},
                                          lang_code(), actor=current_user),
            _("Thank you. Your answers are saved.")):
        return see_other("wellbeing.mine")
    checks = services.trend(member)
    status = 422 if request.method == "POST" else 200
    return render_template("wellbeing/mine.html", member=member, form=form,
                           agree_form=AgreeForm(), checks=checks,
                           consented=services.consented(member), asked=services.asked(member),
                           due=services.due(member),
                           chart=charts.member_chart(checks)), status


@bp.route("/me/wellbeing/agree", methods=["POST"])
@requires("wellbeing.self")
def agree():
    member = _own_member()
    form = AgreeForm()
    if submit(form, lambda: services.agree(member, lang_code(), actor=current_user)):
        return see_other("wellbeing.mine")
    abort(400)


@bp.route("/wellbeing/members/<int:member_id>")
@requires("wellbeing.view")
def member_scores(member_id: int):
    found = services.for_counsellor(current_user, member_id)
    if found is None:
        abort(404)
    member, checks = found
    return render_template("wellbeing/member.html", member=member, checks=checks,
                           consented=services.consented(member),
                           chart=charts.member_chart(checks))

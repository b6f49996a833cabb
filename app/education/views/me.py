"""A member's own learning (/me/learning): their classes with progress and
the next sessions, certificates to download, classes they may ask to join."""
from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from app.access import requires
from app.education import bp, certificates, enrolment, members_side
from app.education.forms import ConfirmForm
from app.education.views import found
from app.education.views.progress_pages import send_certificate
from app.forms import submit
from app.htmx import see_other
from app.jobs import services as jobs
from app.i18n import gettext as _
from app.members.services import member_for_user


def _me():
    member = member_for_user(current_user)
    if member is None or member.anonymised_at:
        abort(404)
    return member


def _page(member, status: int = 200, error: str = ""):
    rows = members_side.learning_rows(member)
    waiting = {r["enrolment"].id: enrolment.waiting_position(r["enrolment"])
               for r in rows if r["enrolment"].status == "waitlisted"}
    return render_template(
        "education/my_learning.html", member=member, rows=rows, waiting=waiting,
        changes=members_side.session_changes(member),
        certificates=list(certificates.certificates_of_member(member)),
        joinable=members_side.joinable_classes(member) if member.status == "active" else [],
        error=error, language=members_side._language()), status


@bp.route("/me/learning")
@requires("education.learn")
def my_learning():
    return _page(_me())


@bp.route("/me/learning/classes/<int:class_id>/join", methods=["POST"])
@requires("education.learn")
def join_class(class_id: int):
    member = _me()
    klass = found(enrolment.requestable_class(class_id))
    form = ConfirmForm()
    outcome = submit(form, lambda: (enrolment.enrol(klass, member, current_user,
                                                          by_member=True)))
    if outcome:
        if outcome.result.status == "waitlisted":
            flash(_("The class is full: you are on its waiting list. If a place becomes free, "
                    "it is yours and you will see it here."), "info")
        else:
            flash(_("You are in the class. Your sessions are on your home page."), "success")
        return see_other("education.my_learning")
    return _page(member, 422, " ".join(str(e) for e in form.form_errors))


@bp.route("/me/learning/enrolments/<int:enrolment_id>/leave", methods=["POST"])
@requires("education.learn")
def leave_class(enrolment_id: int):
    member = _me()
    row = found(enrolment.member_enrolment(member, enrolment_id))
    form = ConfirmForm()
    outcome = submit(form, lambda: enrolment.withdraw(row, current_user), _("You have left the class."))
    if outcome:
        return see_other("education.my_learning")
    return _page(member, 422, " ".join(str(e) for e in form.form_errors))


@bp.route("/me/learning/certificates/<int:certificate_id>.pdf")
@requires("education.learn")
def my_certificate(certificate_id: int):
    member = _me()
    certificate = found(certificates.member_certificate(member, certificate_id))
    response = send_certificate(certificate)
    if response is None:
        return render_template("education/certificate_prepare.html", certificate=certificate,
                               form=ConfirmForm(formdata=None))
    return response


@bp.route("/me/learning/certificates/<int:certificate_id>/make", methods=["POST"])
@requires("education.learn")
def make_my_certificate(certificate_id: int):
    member = _me()
    certificate = found(certificates.member_certificate(member, certificate_id))
    form = ConfirmForm()
    document = jobs.Document(_("Certificate"), "", url_for("education.my_learning"),
                             request.path)      # names no one on the member's phone
    outcome = submit(form, lambda: certificates.make_pdf_later(certificate, current_user,
                                                               document))
    if not outcome:
        abort(outcome.status)
    return see_other("jobs.show", job_id=outcome.result.id)

"""One member's progress in one class (attendance, units, assessment),
confirming completion, and the certificate (download, make again, revoke).
The class's trainers and coordinators only."""
from __future__ import annotations

from flask import abort, render_template, request, send_file, url_for
from flask_login import current_user

from app.access import requires
from app.db import get_or_404
from app.education import attendance, bp, certificates, progress, scope
from app.education.forms import AssessmentForm, ConfirmForm, RevokeForm, UnitDoneForm
from app.education.models import Certificate, Enrolment
from app.education.views import found
from app.forms import submit
from app.htmx import see_other
from app.jobs import services as jobs
from app.i18n import gettext as _
from app.rules import today


def _enrolment(enrolment_id: int) -> Enrolment:
    return found(scope.visible_enrolment(current_user, enrolment_id))


def _may_record(enrolment) -> bool:
    """The class's trainers, and coordinators."""
    return scope.sees_all(current_user) or attendance.is_trainer(current_user, enrolment.klass_id)


def _page(enrolment, status: int = 200, **forms):
    evaluation = progress.evaluate_many([enrolment])[enrolment.id]
    units = progress.units_of_courses([enrolment.klass.course_id]).get(
        enrolment.klass.course_id, [])
    done = progress.units_done(enrolment.id)
    marks = attendance.marks_of(enrolment)
    certificate = certificates.latest_of(enrolment)
    return render_template(
        "education/enrolment.html", enrolment=enrolment, klass=enrolment.klass,
        course=enrolment.klass.course, member=enrolment.member, evaluation=evaluation,
        units=units, done=done, marks=marks, certificate=certificate,
        verify=certificates.verify_address() if certificate else None,
        may_record=_may_record(enrolment) and enrolment.status == "enrolled",
        manage=scope.sees_all(current_user), today_date=today(),
        assessment_form=forms.get("assessment_form") or AssessmentForm(
            formdata=None, result=enrolment.assessment_result or None,
            score=enrolment.assessment_score, note=enrolment.assessment_note),
        confirm_form=ConfirmForm(formdata=None)), status


def _saved_or_again(outcome, enrolment, anchor: str | None = None, **forms):
    """After a POST on an enrolment: back to its page (at `anchor`) when
    the change was saved, else the page again with the form's errors."""
    if outcome:
        return see_other("education.show_enrolment", enrolment_id=enrolment.id, _anchor=anchor)
    return _page(enrolment, outcome.status, **forms)


@bp.route("/education/enrolments/<int:enrolment_id>")
@requires("education.view")
def show_enrolment(enrolment_id: int):
    return _page(_enrolment(enrolment_id))


def _recorder(enrolment_id: int) -> Enrolment:
    enrolment = _enrolment(enrolment_id)
    if not _may_record(enrolment):
        abort(404)
    return enrolment


@bp.route("/education/enrolments/<int:enrolment_id>/units/<int:unit_id>", methods=["POST"])
@requires("education.view")
def unit_done(enrolment_id: int, unit_id: int):
    enrolment = _recorder(enrolment_id)
    form = UnitDoneForm()
    outcome = submit(form, lambda: progress.set_unit_done(enrolment, unit_id, form.done.data,
                                                   form.note.data, current_user),
              _("Progress saved."))
    return _saved_or_again(outcome, enrolment, anchor="units")


@bp.route("/education/enrolments/<int:enrolment_id>/assessment", methods=["POST"])
@requires("education.view")
def assessment(enrolment_id: int):
    enrolment = _recorder(enrolment_id)
    form = AssessmentForm()
    outcome = submit(form, lambda: progress.record_assessment(
            enrolment, form.result.data or "", form.score.data, form.note.data, current_user),
              _("Assessment saved."))
    return _saved_or_again(outcome, enrolment, anchor="assessment", assessment_form=form)


@bp.route("/education/enrolments/<int:enrolment_id>/complete", methods=["POST"])
@requires("education.view")
def confirm_completion(enrolment_id: int):
    enrolment = _recorder(enrolment_id)
    form = ConfirmForm()
    outcome = submit(form, lambda: progress.confirm_completion(enrolment, current_user),
              _("Completion confirmed. The certificate is being made."))
    return _saved_or_again(outcome, enrolment)


@bp.route("/education/enrolments/<int:enrolment_id>/not-completed", methods=["POST"])
@requires("education.view")
def not_completed(enrolment_id: int):
    enrolment = _recorder(enrolment_id)
    form = ConfirmForm()
    outcome = submit(form, lambda: progress.mark_not_completed(enrolment, current_user),
              _("Saved: did not complete."))
    return _saved_or_again(outcome, enrolment)


# --- certificates (staff) ----------------------------------------------------------------

def _certificate(certificate_id: int) -> Certificate:
    certificate = get_or_404(Certificate, Certificate.id == certificate_id)
    enrolment = _enrolment(certificate.enrolment_id)
    if not _may_record(enrolment):
        abort(404)
    return certificate


def send_certificate(certificate: Certificate):
    """The kept PDF; None when it has to be made (again) first."""
    if certificate.revoked_at or not certificates.has_pdf(certificate):
        return None
    name = "cheti" if certificate.language == "sw" else "certificate"
    from app import audit
    audit.record("education.certificate_downloaded", "education_certificate", certificate.id)
    return send_file(certificates.pdf_path(certificate), mimetype="application/pdf",
                     as_attachment=True, download_name=f"{name}-{certificate.code}.pdf", max_age=0)


@bp.route("/education/certificates/<int:certificate_id>.pdf")
@requires("education.view")
def certificate_pdf(certificate_id: int):
    certificate = _certificate(certificate_id)
    response = send_certificate(certificate)
    if response is None:
        return see_other("education.show_enrolment", enrolment_id=certificate.enrolment_id,
                         _anchor="certificate")
    return response


@bp.route("/education/certificates/<int:certificate_id>/make", methods=["POST"])
@requires("education.view")
def make_certificate(certificate_id: int):
    certificate = _certificate(certificate_id)
    form = ConfirmForm()
    if certificate.revoked_at:
        abort(404)
    document = jobs.Document(
        _("Certificate"), certificate.enrolment.member.code,
        url_for("education.show_enrolment", enrolment_id=certificate.enrolment_id,
                _anchor="certificate"), request.path)
    outcome = submit(form, lambda: certificates.make_pdf_later(certificate, current_user,
                                                               document))
    if not outcome:
        abort(outcome.status)
    return see_other("jobs.show", job_id=outcome.result.id)


@bp.route("/education/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@requires("education.manage")
def revoke_certificate(certificate_id: int):
    certificate = _certificate(certificate_id)
    form = RevokeForm()
    outcome = submit(form, lambda: certificates.revoke(certificate, form.reason.data, current_user),
              _("Certificate revoked."))
    if outcome:
        return see_other("education.show_enrolment", enrolment_id=certificate.enrolment_id)
    return render_template("education/revoke.html", form=form, certificate=certificate), \
        outcome.status

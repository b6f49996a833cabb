"""The trainer's register on a phone: each tap saved at once (htmx), the
row showing whether it was saved; "everyone present" in one tap; after 7
days a change is a correction with a reason. Without JavaScript every tap
is a plain form post."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from app.access import requires
from app.education import attendance, bp, scope
from app.education.forms import ConfirmForm, CorrectionForm, MarkForm
from app.education.views import found
from app.forms import submit
from app.htmx import redirect_after_post, render, wants_partial
from app.i18n import gettext as _


def _session(session_id: int):
    return found(scope.visible_session(current_user, session_id))


def _context(session, **extra) -> dict:
    rows = attendance.roster(session)
    return dict(session=session, klass=session.klass, course=session.klass.course, rows=rows,
                marked=sum(1 for r in rows if r.status), is_open=attendance.is_open(session),
                may_mark=attendance.may_mark(current_user, session),
                may_correct=attendance.may_correct(current_user, session), **extra)


@bp.route("/education/sessions/<int:session_id>/register")
@requires("education.view")
def register(session_id: int):
    session = _session(session_id)
    return render("education/register.html", "education/_register.html", **_context(session))


def _row_response(session, enrolment_id: int, status: int = 200, error: str = ""):
    context = _context(session)
    row = next((r for r in context["rows"] if r.enrolment_id == enrolment_id), None)
    found(row)
    return render_template("education/_register_row.html", row=row, error=error,
                           oob_count=True, **context), status


@bp.route("/education/sessions/<int:session_id>/register/<int:enrolment_id>", methods=["POST"])
@requires("education.teach")
def mark(session_id: int, enrolment_id: int):
    """One tap. htmx gets the row back (with its saved state); a plain
    post goes back to the register at that row."""
    session = _session(session_id)
    form = MarkForm()
    ok = submit(form, lambda: attendance.mark(session, enrolment_id, form.status.data,
                                              current_user))
    if wants_partial():
        error = "" if ok else " ".join(str(e) for e in (form.status.errors + form.form_errors))
        return _row_response(session, enrolment_id, 200 if ok else 422, error)
    if ok:
        return redirect_after_post(url_for("education.register", session_id=session.id)
                                   + f"#row-{enrolment_id}")
    return render("education/register.html", "education/_register.html",
                  status=422, error=" ".join(str(e) for e in form.form_errors + form.status.errors),
                  **_context(session))


@bp.route("/education/sessions/<int:session_id>/register/everyone-present", methods=["POST"])
@requires("education.teach")
def everyone_present(session_id: int):
    session = _session(session_id)
    form = ConfirmForm()
    outcome = submit(form, lambda: attendance.mark_everyone_present(session, current_user))
    if outcome:
        if wants_partial():
            return render_template("education/_register.html", **_context(session))
        return redirect_after_post(url_for("education.register", session_id=session.id))
    return render("education/register.html", "education/_register.html", status=422,
                  error=" ".join(str(e) for e in form.form_errors), **_context(session))


@bp.route("/education/sessions/<int:session_id>/register/<int:enrolment_id>/correct",
          methods=["GET", "POST"])
@requires("education.view")
def correct(session_id: int, enrolment_id: int):
    session = _session(session_id)
    if not attendance.may_correct(current_user, session):
        return abort(404)
    row = found(attendance.roster_row(session, enrolment_id))
    form = CorrectionForm(data={"status": row.status} if request.method == "GET" else None)
    outcome = submit(form, lambda: attendance.correct(session, enrolment_id, form.status.data,
                                                      form.reason.data, current_user),
                     _("Correction added."))
    if outcome:
        return redirect_after_post(url_for("education.register", session_id=session.id)
                                   + f"#row-{enrolment_id}")
    return render_template("education/correct.html", form=form, row=row, session=session,
                           corrections=[c for c in attendance.corrections_of(session)
                                        if c.attendance.enrolment_id == enrolment_id]), \
        outcome.status

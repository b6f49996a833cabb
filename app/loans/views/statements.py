"""M-Pesa statement imports: upload, the dry run with its progress bar,
assigning lines, confirm or cancel; and the payments still to assign."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.db import get_or_404
from app.forms import add_error, submit
from app.htmx import render, see_other
from app.i18n import gettext as _
from app.jobs import services as jobs
from app.loans import bp, imports, tasks
from app.loans import forms as F
from app.loans.models import StatementImport, StatementLine


def _batch_or_404(batch_id):
    batch = imports.visible_batch(current_user, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.route("/loans/imports", methods=["GET", "POST"])
@requires("loans.decide")
def import_upload():
    form = F.StatementForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        if not data.strip():
            add_error(form, "file", _("The file is empty."))
        else:
            batch = imports.store_upload(data, form.file.data.filename, current_user)
            job = jobs.start("statement_check", current_user, tasks.check_statement,
                             batch_id=str(batch.id))
            imports.set_job(batch, job)
            return see_other("loans.import_show", batch_id=batch.id)
    status = 422 if request.method == "POST" else 200
    return render_template("loans/import.html", form=form,
                           batches=imports.recent_batches(current_user)), status


def _import_page(batch, status=200, assign_form=None, assign_line=None):
    job = imports.job_of(batch)
    return render("loans/import_show.html", "loans/_import_status.html", status=status,
                  batch=batch, job=job, counts=imports.counts(batch),
                  matched_cents=imports.matched_total(batch),
                  lines=imports.lines_of(batch) if batch.status != "checking" else [],
                  assign_form=assign_form or F.AssignForm(formdata=None),
                  assign_line=assign_line)


@bp.route("/loans/imports/<uuid:batch_id>")
@requires("loans.decide")
def import_show(batch_id):
    return _import_page(_batch_or_404(batch_id))


@bp.route("/loans/imports/<uuid:batch_id>/lines/<int:line_id>/assign", methods=["POST"])
@requires("loans.decide")
def import_assign(batch_id, line_id: int):
    batch = _batch_or_404(batch_id)
    line = get_or_404(imports.batch_lines(batch), StatementLine.id == line_id)
    form = F.AssignForm()
    if submit(form, lambda: imports.assign_in_dry_run(
            line, imports.loan_for_reference(form.reference.data), current_user),
            _("The payment will be recorded on that loan when you confirm.")):
        return see_other("loans.import_show", batch_id=batch.id)
    return _import_page(batch, 422, form, line.id)


@bp.route("/loans/imports/<uuid:batch_id>/confirm", methods=["POST"])
@requires("loans.decide")
def import_confirm(batch_id):
    batch = _batch_or_404(batch_id)
    if batch.status != StatementImport.CHECKED:
        abort(409)
    job = jobs.start("statement_import", current_user, tasks.write_statement,
                     batch_id=str(batch.id), actor_id=current_user.id)
    imports.set_job(batch, job)
    return see_other("loans.import_show", batch_id=batch.id)


@bp.route("/loans/imports/<uuid:batch_id>/cancel", methods=["POST"])
@requires("loans.decide")
def import_cancel(batch_id):
    batch = _batch_or_404(batch_id)
    form = F.DecisionForm()
    if submit(form, lambda: imports.cancel(batch, current_user),
              _("Import cancelled; nothing was written.")):
        return see_other("loans.import_upload")
    return _import_page(batch, 422)


# --- payments waiting for a person -----------------------------------------------------

def _waiting_page(status=200, form=None, line_id=None, dismiss_form=None):
    return render_template("loans/unassigned.html", lines=imports.waiting_lines(),
                           assign_form=form or F.AssignForm(formdata=None),
                           dismiss_form=dismiss_form or F.DismissForm(formdata=None),
                           form_line=line_id), status


@bp.route("/loans/unassigned")
@requires("loans.decide")
def unassigned():
    return _waiting_page()


@bp.route("/loans/unassigned/<int:line_id>/assign", methods=["POST"])
@requires("loans.decide")
def assign_waiting(line_id: int):
    line = get_or_404(imports.waiting(), StatementLine.id == line_id)
    form = F.AssignForm()
    if submit(form, lambda: imports.assign_later(
            line, imports.loan_for_reference(form.reference.data), current_user),
            _("Repayment recorded.")):
        return see_other("loans.unassigned")
    return _waiting_page(422, form, line.id)


@bp.route("/loans/unassigned/<int:line_id>/dismiss", methods=["POST"])
@requires("loans.decide")
def dismiss_waiting(line_id: int):
    line = get_or_404(imports.waiting(), StatementLine.id == line_id)
    form = F.DismissForm()
    if submit(form, lambda: imports.dismiss(line, form.reason.data, current_user),
              _("Set aside.")):
        return see_other("loans.unassigned")
    return _waiting_page(422, line_id=line.id, dismiss_form=form)

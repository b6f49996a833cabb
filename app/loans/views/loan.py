"""One loan: its page, the decision, paying out, repayments and reversals,
early repayment, closing, reschedule and write-off requests, notes."""
from __future__ import annotations

import uuid

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires, user_can
from app.db import get_or_404
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.loans import applications, book, bp, changes, ledger, pages
from app.loans import forms as F
from app.loans.models import ChangeRequest, LedgerEntry
from app.loans.scope import sight, visible_loan_in_full
from app.clock import today


def loan_or_404(loan_id: int):
    loan = visible_loan_in_full(current_user, loan_id)
    if loan is None:
        abort(404)
    return loan


def _book_loan_or_404(loan_id: int):
    """A loan for finance's actions: with the ledger in sight."""
    loan = loan_or_404(loan_id)
    if not sight(current_user, loan).ledger:
        abort(404)
    return loan


def _payment(form) -> ledger.Payment:
    return ledger.Payment(form.amount.data, form.paid_on.data, form.method.data,
                          form.reference.data or "", form.receipt.data or "",
                          form.request_key.data or None)


def _forms_for(loan, seen, forms: dict) -> dict:
    """The forms the loan page shows this user for the loan's status (built
    only when shown: templates/loans/loan.html and _loan_actions.html);
    `forms` holds the one that came back with errors."""
    wanted = {}
    if seen.terms:
        wanted["note_form"] = lambda: F.NoteForm(formdata=None)
        wanted["sharing_form"] = lambda: F.SharingForm(
            formdata=None, share_with_mentor=loan.share_with_mentor)
    finance = seen.ledger and user_can(current_user, "loans.decide")
    recorder = loan.recorded_by_id == current_user.id
    if finance and loan.status == "applied" and not recorder:
        wanted["decision_form"] = lambda: F.DecisionForm(formdata=None)
    if loan.status in ("applied", "approved") and (finance or recorder):
        wanted["withdraw_form"] = lambda: F.WithdrawForm(formdata=None)
    if finance and loan.status == "approved":
        wanted["disburse_form"] = lambda: F.DisburseForm(formdata=None, paid_on=today(),
                                                         method="mpesa")
    if finance and loan.status == "active":
        wanted["repay_form"] = lambda: F.RepaymentForm(
            formdata=None, paid_on=today(), method="mpesa", request_key=str(uuid.uuid4()))
        if loan.balance_cents <= 0:
            wanted["close_form"] = lambda: F.CloseForm(formdata=None, method="mpesa")
    return {name: forms.get(name) or make() for name, make in wanted.items()}


def loan_page(loan, status: int = 200, **forms):
    """The loan page, with the forms of the action that comes next."""
    context = pages.loan_page(current_user, loan)
    shown = _forms_for(loan, context["sight"], forms)
    # A refusal whose form this status does not show (say, approving what
    # was just approved by someone else) is said at the top of the page.
    context["refusals"] = [message for name, form in forms.items() if name not in shown
                           for message in form.form_errors]
    context.update(shown, may_decide=user_can(current_user, "loans.decide"),
                   may_propose=user_can(current_user, "loans.propose"))
    return render_template("loans/loan.html", **context), status


def ledger_page(loan, status: int = 200, reverse_form=None, reverse_entry=None):
    return render_template(
        "loans/ledger.html", **pages.ledger_page(loan),
        may_decide=user_can(current_user, "loans.decide"),
        reverse_form=reverse_form or F.ReverseForm(formdata=None),
        reverse_entry=reverse_entry), status


def settle_page(loan, status: int = 200, form=None):
    quote = changes.quote(loan) if loan.status == "active" else None
    form = form or F.SettleForm(formdata=None, paid_on=today(), method="mpesa",
                                request_key=str(uuid.uuid4()),
                                amount=quote.total_cents if quote else None)
    return render_template("loans/settle.html", loan=loan, member=loan.member, quote=quote,
                           form=form), status


def changes_page(loan, status: int = 200, **forms):
    return render_template(
        "loans/changes.html", **pages.changes_page(current_user, loan),
        may_decide=user_can(current_user, "loans.decide"),
        may_propose=user_can(current_user, "loans.propose"),
        reschedule_form=forms.get("reschedule_form") or F.RescheduleForm(
            formdata=None, frequency=loan.frequency),
        write_off_form=forms.get("write_off_form") or F.WriteOffForm(formdata=None),
        request_form=forms.get("request_form") or F.RequestDecisionForm(formdata=None)), status


@bp.route("/loans/<int:loan_id>")
@requires("loans.view")
def show(loan_id: int):
    return loan_page(loan_or_404(loan_id))


def _act(loan, form_name: str, form, action, done, page=loan_page):
    """A POST on a loan: run `action` through submit(); back to the loan
    page (303), or `page` again with this form and its errors (422)."""
    if submit(form, action, done):
        return see_other("loans.show", loan_id=loan.id)
    return page(loan, 422, **{form_name: form})


@bp.route("/loans/<int:loan_id>/schedule")
@requires("loans.view")
def schedule_view(loan_id: int):
    loan = loan_or_404(loan_id)
    if not sight(current_user, loan).terms:
        abort(404)
    return render_template("loans/schedule.html", **pages.schedule_page(loan))


@bp.route("/loans/<int:loan_id>/ledger")
@requires("loans.book")
def ledger_view(loan_id: int):
    return ledger_page(_book_loan_or_404(loan_id))


@bp.route("/loans/<int:loan_id>/changes")
@requires("loans.view")
def changes_view(loan_id: int):
    loan = loan_or_404(loan_id)
    if not (user_can(current_user, "loans.propose") or sight(current_user, loan).ledger):
        abort(404)
    return changes_page(loan)


# --- the decision and paying out -------------------------------------------------------

@bp.route("/loans/<int:loan_id>/<any(approve, reject):decision>", methods=["POST"])
@requires("loans.decide")
def decide(loan_id: int, decision: str):
    loan = _book_loan_or_404(loan_id)
    form = F.DecisionForm()
    if decision == "approve":
        return _act(loan, "decision_form", form,
                    lambda: applications.approve(loan, current_user, form.reason.data),
                    _("Approved. It can now be paid out."))
    return _act(loan, "decision_form", form,
                lambda: applications.reject(loan, current_user, form.reason.data),
                _("The application was not approved."))


@bp.route("/loans/<int:loan_id>/withdraw", methods=["POST"])
@requires("loans.view")
def withdraw(loan_id: int):
    loan = loan_or_404(loan_id)
    if not (user_can(current_user, "loans.decide") or loan.recorded_by_id == current_user.id):
        abort(404)
    form = F.WithdrawForm()
    return _act(loan, "withdraw_form", form,
                lambda: applications.withdraw(loan, current_user, form.reason.data),
                _("The application was withdrawn."))


@bp.route("/loans/<int:loan_id>/disburse", methods=["POST"])
@requires("loans.decide")
def disburse(loan_id: int):
    loan = _book_loan_or_404(loan_id)
    form = F.DisburseForm()
    return _act(loan, "disburse_form", form, lambda: applications.disburse(
        loan, applications.Disbursement(form.paid_on.data, form.method.data,
                                        form.reference.data or ""), current_user),
        _("Paid out. The repayment schedule is fixed from today."))


# --- repayments ------------------------------------------------------------------------------

@bp.route("/loans/<int:loan_id>/repayments", methods=["POST"])
@requires("loans.decide")
def repay(loan_id: int):
    loan = _book_loan_or_404(loan_id)
    form = F.RepaymentForm()
    return _act(loan, "repay_form", form,
                lambda: ledger.record_repayment(loan, _payment(form), current_user),
                _("Repayment recorded."))


@bp.route("/loans/<int:loan_id>/settle", methods=["GET", "POST"])
@requires("loans.decide")
def settle(loan_id: int):
    """Early repayment: the amount that repays everything today, and the form."""
    loan = _book_loan_or_404(loan_id)
    if request.method == "GET":
        return settle_page(loan)
    form = F.SettleForm()
    return _act(loan, "form", form,
                lambda: changes.settle(loan, _payment(form), current_user),
                _("Repaid in full. Interest not yet due was not charged."), settle_page)


@bp.route("/loans/<int:loan_id>/entries/<int:entry_id>/reverse", methods=["POST"])
@requires("loans.decide")
def reverse(loan_id: int, entry_id: int):
    loan = _book_loan_or_404(loan_id)
    entry = get_or_404(ledger.loan_entries(loan), LedgerEntry.id == entry_id)
    form = F.ReverseForm()
    if submit(form, lambda: ledger.reverse(entry, form.reason.data, current_user),
              _("Reversed. The balance is back to what it was without it.")):
        return see_other("loans.show", loan_id=loan.id)
    return ledger_page(loan, 422, reverse_form=form, reverse_entry=entry.id)


@bp.route("/loans/<int:loan_id>/close", methods=["POST"])
@requires("loans.decide")
def close(loan_id: int):
    loan = _book_loan_or_404(loan_id)
    form = F.CloseForm()
    return _act(loan, "close_form", form, lambda: changes.close(
        loan, current_user, form.method.data, form.reference.data), _("The loan is closed."))


# --- reschedule and write-off ------------------------------------------------------------------

@bp.route("/loans/<int:loan_id>/reschedule", methods=["POST"])
@requires("loans.propose")
def propose_reschedule(loan_id: int):
    loan = loan_or_404(loan_id)
    form = F.RescheduleForm()
    return _act(loan, "reschedule_form", form, lambda: changes.propose(
        loan, "reschedule", form.reason.data, current_user, changes.RescheduleInput(
            form.term.data, form.frequency.data, form.first_due_on.data, form.reason.data)),
        _("Proposed. Another person in finance decides on it."), changes_page)


@bp.route("/loans/<int:loan_id>/write-off", methods=["POST"])
@requires("loans.propose")
def propose_write_off(loan_id: int):
    loan = loan_or_404(loan_id)
    form = F.WriteOffForm()
    return _act(loan, "write_off_form", form,
                lambda: changes.propose(loan, "write_off", form.reason.data, current_user),
                _("Proposed. Another person in finance decides on it."), changes_page)


@bp.route("/loans/<int:loan_id>/requests/<int:request_id>/<any(approve, reject):decision>",
          methods=["POST"])
@requires("loans.decide")
def decide_request(loan_id: int, request_id: int, decision: str):
    loan = _book_loan_or_404(loan_id)
    change = get_or_404(changes.requests_of(loan), ChangeRequest.id == request_id)
    form = F.RequestDecisionForm()
    if decision == "approve":
        return _act(loan, "request_form", form,
                    lambda: changes.approve_request(change, current_user, form.note.data),
                    _("Approved and done."), changes_page)
    return _act(loan, "request_form", form,
                lambda: changes.reject_request(change, current_user, form.note.data),
                _("Not approved; nothing changed."), changes_page)


# --- notes and sharing -------------------------------------------------------------------------

def _terms_loan_or_404(loan_id: int):
    loan = loan_or_404(loan_id)
    if not sight(current_user, loan).terms:
        abort(404)
    return loan


@bp.route("/loans/<int:loan_id>/notes", methods=["POST"])
@requires("loans.view")
def add_note(loan_id: int):
    loan = _terms_loan_or_404(loan_id)
    form = F.NoteForm()
    return _act(loan, "note_form", form, lambda: book.add_note(loan, form.text.data, current_user),
                _("Note added."))


@bp.route("/loans/<int:loan_id>/sharing", methods=["POST"])
@requires("loans.view")
def sharing(loan_id: int):
    loan = _terms_loan_or_404(loan_id)
    form = F.SharingForm()
    return _act(loan, "sharing_form", form, lambda: book.set_sharing(
        loan, form.share_with_mentor.data, current_user), _("Changes saved."))

"""One loan: its page, the decision, paying out, repayments and reversals,
early repayment, closing, reschedule and write-off requests, notes."""
from __future__ import annotations

import uuid

from flask import abort, render_template
from flask_login import current_user

from app.access import requires, user_can
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.loans import applications, book, bp, changes, ledger
from app.loans import forms as F
from app.loans.scope import sight, visible_loan
from app.rules import today


def loan_or_404(loan_id: int):
    loan = visible_loan(current_user, loan_id)
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


def loan_page(loan, status: int = 200, **forms):
    context = book.page(current_user, loan)
    quote = context["quote"]
    repay = forms.get("repay_form") or F.RepaymentForm(
        formdata=None, paid_on=today(), method="mpesa", request_key=str(uuid.uuid4()))
    settle = forms.get("settle_form") or F.SettleForm(
        formdata=None, paid_on=today(), method="mpesa", request_key=str(uuid.uuid4()),
        amount=quote.total_cents if quote else None)
    context.update(
        may_decide=user_can(current_user, "loans.decide"),
        may_propose=user_can(current_user, "loans.propose"),
        decision_form=forms.get("decision_form") or F.DecisionForm(formdata=None),
        withdraw_form=forms.get("withdraw_form") or F.WithdrawForm(formdata=None),
        disburse_form=forms.get("disburse_form") or F.DisburseForm(
            formdata=None, paid_on=today(), method="mpesa"),
        repay_form=repay, settle_form=settle,
        reverse_form=forms.get("reverse_form") or F.ReverseForm(formdata=None),
        reverse_entry=forms.get("reverse_entry"),
        reschedule_form=forms.get("reschedule_form") or F.RescheduleForm(
            formdata=None, frequency=loan.frequency),
        write_off_form=forms.get("write_off_form") or F.WriteOffForm(formdata=None),
        request_form=forms.get("request_form") or F.RequestDecisionForm(formdata=None),
        close_form=forms.get("close_form") or F.CloseForm(formdata=None, method="mpesa"),
        note_form=forms.get("note_form") or F.NoteForm(formdata=None),
        sharing_form=F.SharingForm(formdata=None, share_with_mentor=loan.share_with_mentor))
    return render_template("loans/loan.html", **context), status


@bp.route("/loans/<int:loan_id>")
@requires("loans.view")
def show(loan_id: int):
    return loan_page(loan_or_404(loan_id))


# --- the decision and paying out -------------------------------------------------------

@bp.route("/loans/<int:loan_id>/<any(approve, reject):decision>", methods=["POST"])
@requires("loans.decide")
def decide(loan_id: int, decision: str):
    loan = _book_loan_or_404(loan_id)
    form = F.DecisionForm()
    act = applications.approve if decision == "approve" else applications.reject
    done = _("Approved. It can now be paid out.") if decision == "approve" \
        else _("The application was not approved.")
    if submit(form, lambda: act(loan, current_user, form.reason.data), done):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, decision_form=form)


@bp.route("/loans/<int:loan_id>/withdraw", methods=["POST"])
@requires("loans.view")
def withdraw(loan_id: int):
    loan = loan_or_404(loan_id)
    if not (user_can(current_user, "loans.decide") or loan.recorded_by_id == current_user.id):
        abort(404)
    form = F.WithdrawForm()
    if submit(form, lambda: applications.withdraw(loan, current_user, form.reason.data),
              _("The application was withdrawn.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, withdraw_form=form)


@bp.route("/loans/<int:loan_id>/disburse", methods=["POST"])
@requires("loans.decide")
def disburse(loan_id: int):
    loan = _book_loan_or_404(loan_id)
    form = F.DisburseForm()
    data = lambda: applications.Disbursement(form.paid_on.data, form.method.data,  # noqa: E731
                                             form.reference.data or "")
    if submit(form, lambda: applications.disburse(loan, data(), current_user),
              _("Paid out. The repayment schedule is fixed from today.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, disburse_form=form)


# --- repayments ------------------------------------------------------------------------------

@bp.route("/loans/<int:loan_id>/repayments", methods=["POST"])
@requires("loans.decide")
def repay(loan_id: int):
    loan = _book_loan_or_404(loan_id)
    form = F.RepaymentForm()
    if submit(form, lambda: ledger.record_repayment(loan, _payment(form), current_user),
              _("Repayment recorded.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, repay_form=form)


@bp.route("/loans/<int:loan_id>/settle", methods=["POST"])
@requires("loans.decide")
def settle(loan_id: int):
    loan = _book_loan_or_404(loan_id)
    form = F.SettleForm()
    if submit(form, lambda: changes.settle(loan, _payment(form), current_user),
              _("Repaid in full. Interest not yet due was not charged.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, settle_form=form)


@bp.route("/loans/<int:loan_id>/entries/<int:entry_id>/reverse", methods=["POST"])
@requires("loans.decide")
def reverse(loan_id: int, entry_id: int):
    loan = _book_loan_or_404(loan_id)
    entry = ledger.entry_of(loan, entry_id) or abort(404)
    form = F.ReverseForm()
    if submit(form, lambda: ledger.reverse(entry, form.reason.data, current_user),
              _("Reversed. The balance is back to what it was without it.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, reverse_form=form, reverse_entry=entry.id)


@bp.route("/loans/<int:loan_id>/close", methods=["POST"])
@requires("loans.decide")
def close(loan_id: int):
    loan = _book_loan_or_404(loan_id)
    form = F.CloseForm()
    if submit(form, lambda: changes.close(loan, current_user, form.method.data,
                                          form.reference.data),
              _("The loan is closed.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, close_form=form)


# --- reschedule and write-off ------------------------------------------------------------------

@bp.route("/loans/<int:loan_id>/reschedule", methods=["POST"])
@requires("loans.propose")
def propose_reschedule(loan_id: int):
    loan = loan_or_404(loan_id)
    form = F.RescheduleForm()
    data = lambda: changes.RescheduleInput(form.term.data, form.frequency.data,  # noqa: E731
                                           form.first_due_on.data, form.reason.data)
    if submit(form, lambda: changes.propose(loan, "reschedule", form.reason.data, current_user,
                                            data()),
              _("Proposed. Another person in finance decides on it.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, reschedule_form=form)


@bp.route("/loans/<int:loan_id>/write-off", methods=["POST"])
@requires("loans.propose")
def propose_write_off(loan_id: int):
    loan = loan_or_404(loan_id)
    form = F.WriteOffForm()
    if submit(form, lambda: changes.propose(loan, "write_off", form.reason.data, current_user),
              _("Proposed. Another person in finance decides on it.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, write_off_form=form)


@bp.route("/loans/<int:loan_id>/requests/<int:request_id>/<any(approve, reject):decision>",
          methods=["POST"])
@requires("loans.decide")
def decide_request(loan_id: int, request_id: int, decision: str):
    loan = _book_loan_or_404(loan_id)
    change = changes.request_of(loan, request_id) or abort(404)
    form = F.RequestDecisionForm()
    if decision == "approve":
        act = lambda: changes.approve_request(change, current_user, form.note.data)  # noqa: E731
        done = _("Approved and done.")
    else:
        act = lambda: changes.reject_request(change, current_user, form.note.data)  # noqa: E731
        done = _("Not approved; nothing changed.")
    if submit(form, act, done):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, request_form=form)


# --- notes and sharing -------------------------------------------------------------------------

@bp.route("/loans/<int:loan_id>/notes", methods=["POST"])
@requires("loans.view")
def add_note(loan_id: int):
    loan = loan_or_404(loan_id)
    if not sight(current_user, loan).terms:
        abort(404)
    form = F.NoteForm()
    if submit(form, lambda: book.add_note(loan, form.text.data, current_user), _("Note added.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422, note_form=form)


@bp.route("/loans/<int:loan_id>/sharing", methods=["POST"])
@requires("loans.view")
def sharing(loan_id: int):
    loan = loan_or_404(loan_id)
    if not sight(current_user, loan).terms:
        abort(404)
    form = F.SharingForm()
    if submit(form, lambda: book.set_sharing(loan, form.share_with_mentor.data, current_user),
              _("Changes saved.")):
        return see_other("loans.show", loan_id=loan.id)
    return loan_page(loan, 422)


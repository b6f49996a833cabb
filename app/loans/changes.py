"""Changing a loan's course: reschedule, write-off (each proposed by one
person and decided by another), early repayment and closing. Nothing is
deleted: a new schedule version replaces the one in force from a date on,
and the ledger records the difference it makes.

A new schedule version keeps what was already paid as it was allocated
(the "paid part" of each installment), so the total paid still lands where
it landed; the rest of the principal gets new installments, and unpaid
interest and fees of installments already due are carried into the first
new one. Interest not yet due under the old schedule is dropped (a
reschedule charges interest on its own terms; an early repayment none).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import peewee as pw
from dateutil.relativedelta import relativedelta

from app import audit
from app.clock import utcnow
from app.db import Prepared, db
from app.i18n import lazy_gettext as _l
from app.loans import ledger
from app.loans import schedule as S
from app.loans.allocation import Position
from app.loans.applications import store_schedule
from app.loans.holidays import holiday_checker
from app.loans.models import ChangeRequest, Loan, Schedule
from app.rules import RuleError, today

REASON_MAX = 255
FIRST_DUE_DAYS = 120       # a rescheduled first installment within this many days


class ChangeError(RuleError):
    """A rule about changing a loan refused the action."""


def _reason(text: str) -> str:
    reason = " ".join((text or "").split())
    if not reason:
        raise ChangeError(_l("Give the reason."), "reason")
    if len(reason) > REASON_MAX:
        raise ChangeError(_l("Use at most %(max)d characters.", max=REASON_MAX), "reason")
    return reason


def _active(loan: Loan) -> None:
    if loan.status != "active":
        raise ChangeError(_l("Only a loan being repaid can be changed."))


# --- schedule versions ----------------------------------------------------------------

def _paid_part(pos: Position) -> list[S.Row]:
    """Installments as far as they were paid (allocation is oldest first,
    so the paid ones are a prefix)."""
    rows = []
    for i, due in enumerate(pos.dues):
        if pos.paid_by_installment[i] <= 0:
            break
        split = pos.split(i)
        rows.append(S.Row(i + 1, due.due_on, split["principal"], split["interest"],
                          split["fee"] + split["penalty"]))
    return rows


def _new_version(loan: Loan, pos: Position, new_rows: list[S.Row], effective_on: dt.date,
                 reason: str, actor) -> Schedule:
    """Store paid part + `new_rows` as the next version and post the
    difference it makes to what is owed (interest up, or a waiver)."""
    kept = _paid_part(pos)
    rows = kept + [S.Row(len(kept) + i, r.due_on, r.principal_cents, r.interest_cents,
                         r.fee_cents) for i, r in enumerate(new_rows, start=1)]
    difference = sum(r.total_cents for r in rows) - pos.total_due
    version = loan.schedule_version + 1
    schedule = store_schedule(loan, version, effective_on, reason, rows, actor)
    if difference > 0:
        ledger.post(loan, "interest", difference, effective_on, actor, reason=reason)
    elif difference < 0:
        ledger.post(loan, "waiver", -difference, effective_on, actor, reason=reason)
    loan.schedule_version = version
    loan.save(only=[Loan.schedule_version])
    return schedule


def _carried(pos: Position, on: dt.date) -> tuple[int, int]:
    """What a new schedule carries over: unpaid interest of installments
    due by `on`, and every unpaid fee and late fee (a fee is owed whenever
    its installment falls)."""
    due_interest = pos.unpaid_parts(on + dt.timedelta(days=1))["interest"]
    owed = pos.unpaid_parts()
    return due_interest, owed["fee"] + owed["penalty"]


def _last_effective(loan: Loan) -> dt.date:
    current = ledger.schedule_of(loan)
    return current.effective_on if current else loan.disbursed_on


# --- reschedule ----------------------------------------------------------------------

@dataclass
class RescheduleInput:
    term: int
    frequency: str
    first_due_on: dt.date
    reason: str


def _check_reschedule(loan: Loan, data: RescheduleInput) -> None:
    if data.frequency not in S.FREQUENCIES:
        raise ChangeError(_l("Choose from the list."), "frequency")
    if not 1 <= data.term <= S.MAX_TERM:
        raise ChangeError(_l("The number of installments must be between 1 and %(max)d.",
                             max=S.MAX_TERM), "term")
    now = today()
    if not now < data.first_due_on <= now + dt.timedelta(days=FIRST_DUE_DAYS):
        raise ChangeError(_l("The first new installment must fall within the next %(days)d "
                             "days.", days=FIRST_DUE_DAYS), "first_due_on")


def propose(loan: Loan, kind: str, reason: str, actor, data: RescheduleInput | None = None
            ) -> ChangeRequest:
    _active(loan)
    reason = _reason(reason)
    if kind == "reschedule":
        _check_reschedule(loan, data)
    if loan.balance_cents <= 0:
        raise ChangeError(_l("Nothing is left to repay."))
    try:
        with db.atomic():
            request = ChangeRequest.create(
                loan=loan.id, kind=kind, reason=reason, proposed_by=actor.id,
                term=data.term if data else None, frequency=data.frequency if data else "",
                first_due_on=data.first_due_on if data else None)
            audit.record(f"loans.{kind}_proposed", "loan", loan.id, actor=actor)
    except pw.IntegrityError:
        raise ChangeError(_l("A request of this kind is already waiting for a decision.")) \
            from None
    return request


class Waiting(NamedTuple):
    id: int
    kind: str


# On the loan page, a key page: built once (app.db.Prepared; README, performance).
_pending = Prepared(lambda param: (
    ChangeRequest.select(ChangeRequest.id, ChangeRequest.kind)
    .where((ChangeRequest.loan == param("loan")) & (ChangeRequest.status == "pending"))),
    row=Waiting)


def pending(loan: Loan) -> list[Waiting]:
    """The changes waiting for a decision: their id and kind (what the loan
    page says of them; the changes page reads history())."""
    return _pending.all(loan=loan.id)


def history(loan: Loan) -> list[ChangeRequest]:
    return list(ChangeRequest.select().where(ChangeRequest.loan == loan.id)
                .order_by(ChangeRequest.id.desc()))


def _decide(request: ChangeRequest, actor, status: str, note: str) -> None:
    if actor is None or actor.id == request.proposed_by_id:
        raise ChangeError(_l("The person who proposed it cannot decide on it: someone else "
                             "must."))
    fresh = ChangeRequest.get_by_id(request.id)
    if fresh.status != "pending":
        raise ChangeError(_l("This request was already decided."))
    fresh.status, fresh.decided_by, fresh.decided_at = status, actor.id, utcnow()
    fresh.decision_note = " ".join((note or "").split())[:REASON_MAX]
    fresh.save(only=[ChangeRequest.status, ChangeRequest.decided_by, ChangeRequest.decided_at,
                     ChangeRequest.decision_note])
    audit.record(f"loans.{request.kind}_{status}", "loan", request.loan_id, actor=actor)


def reject_request(request: ChangeRequest, actor, note: str) -> None:
    with db.atomic():
        _decide(request, actor, "rejected", _reason(note))


def approve_request(request: ChangeRequest, actor, note: str = "") -> Loan:
    with db.atomic():
        loan = ledger.locked(request.loan_id)
        _active(loan)
        _decide(request, actor, "approved", note)
        if request.kind == "reschedule":
            _reschedule(loan, request, actor)
        else:
            _write_off(loan, request, actor)
        return ledger.refresh(loan)


def _reschedule(loan: Loan, request: ChangeRequest, actor) -> None:
    on = today()
    if on < _last_effective(loan):
        raise ChangeError(_l("The schedule changed after today's date; try again tomorrow."))
    pos = ledger.position(loan)
    if pos.credit or pos.principal_outstanding <= 0:
        raise ChangeError(_l("Nothing is left to repay."))
    interest, fees = _carried(pos, on)
    terms = S.Terms(loan.interest_method, loan.rate_bp, request.frequency, request.term)
    start = request.first_due_on - {"weekly": relativedelta(weeks=1),
                                    "fortnightly": relativedelta(weeks=2),
                                    "monthly": relativedelta(months=1)}[request.frequency]
    last = S.last_nominal_date(start, request.frequency, request.term)
    rows = S.build(pos.principal_outstanding, terms, start, holiday_checker(start, last))
    first = rows[0]
    rows[0] = S.Row(first.number, first.due_on, first.principal_cents,
                    first.interest_cents + interest, first.fee_cents + fees)
    _new_version(loan, pos, rows, on, "reschedule", actor)


def _write_off(loan: Loan, request: ChangeRequest, actor) -> None:
    on = today()
    balance = ledger.sums(loan.id).balance
    if balance <= 0:
        raise ChangeError(_l("Nothing is left to repay."))
    ledger.post(loan, "write_off", balance, on, actor, reason=request.reason)
    loan.status, loan.closed_on = "written_off", on
    loan.save(only=[Loan.status, Loan.closed_on])


# --- early repayment and closing ----------------------------------------------------------

@dataclass
class Quote:
    principal_cents: int
    interest_cents: int        # unpaid interest of installments already due
    fee_cents: int             # unpaid fees and late fees already due
    waived_cents: int          # interest not yet due, which is not charged

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.fee_cents


def quote(loan: Loan, on: dt.date | None = None) -> Quote:
    """What repays the loan in full on `on` (today): the principal left,
    interest of installments due by then, and the fees; interest not yet
    due is waived."""
    on = on or today()
    pos = ledger.position(loan)
    interest, fees = _carried(pos, on)
    return Quote(pos.principal_outstanding, interest, fees,
                 pos.unpaid_parts()["interest"] - interest)


def settle(loan: Loan, payment: ledger.Payment, actor) -> Loan:
    """Early repayment: the member pays everything now; interest not yet
    due is waived (a new schedule version), and the loan closes."""
    _active(loan)
    if payment.value_on < _last_effective(loan):
        raise ChangeError(_l("The date cannot be before the last change of schedule."),
                          "paid_on")
    payment = ledger.check_payment(loan, payment)
    with db.atomic():
        loan = ledger.locked(loan.id)
        due = quote(loan, payment.value_on)
        if due.total_cents <= 0:
            raise ChangeError(_l("Nothing is left to repay."))
        if payment.amount_cents < due.total_cents:
            raise ChangeError(_l("To repay everything on this day the member pays %(total)s.",
                                 total=_kes(due.total_cents)), "amount")
        pos = ledger.position(loan)
        if due.waived_cents:
            row = S.Row(1, payment.value_on, due.principal_cents, due.interest_cents,
                        due.fee_cents)
            _new_version(loan, pos, [row], payment.value_on, "settlement", actor)
        ledger.record_repayment(loan, payment, actor)
        audit.record("loans.settled", "loan", loan.id, actor=actor)
        return ledger.locked(loan.id)


def close(loan: Loan, actor, method: str = "cash", reference: str = "") -> Loan:
    """Close a loan that owes nothing; a credit left is paid back first."""
    with db.atomic():
        loan = ledger.locked(loan.id)
        _active(loan)
        balance = ledger.sums(loan.id).balance
        if balance > 0:
            raise ChangeError(_l("The loan cannot be closed: %(left)s is still to be repaid.",
                                 left=_kes(balance)))
        if balance < 0:
            reference = " ".join((reference or "").split())[:ledger.REFERENCE_MAX]
            ledger.post(loan, "refund", -balance, today(), actor, method=method,
                        reference=reference, reason="credit paid back")
        ledger.refresh(loan)
        loan = ledger.locked(loan.id)
        if loan.status != "closed":   # pragma: no cover - refresh closes a zero balance
            raise ChangeError(_l("The loan cannot be closed."))
        audit.record("loans.closed_by_hand", "loan", loan.id, actor=actor)
        return loan


def _kes(cents: int) -> str:
    from app.filters import money
    return money(cents)


def requests_of(loan: Loan):
    """The loan's change requests, as a query."""
    return ChangeRequest.select().where(ChangeRequest.loan == loan.id)

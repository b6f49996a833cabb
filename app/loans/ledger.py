"""The ledger: every amount that changes what a member owes, append-only.

The balance of a loan is the sum of its entries (charges count up,
credits down, a reversal the other way of the entry it reverses). The
state of each installment is the allocation (app/loans/allocation.py) of
the total paid to the schedule in force. `refresh(loan)` recomputes the
figures kept on the loan and its installments from those two, inside the
writing transaction, and checks that the ledger and the schedule agree: a
write that would break that rolls back.

Repayments are never changed or deleted (the database refuses it too): a
mistake is undone by a reversal, with a reason, by someone other than the
person who recorded it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import NamedTuple

import peewee as pw
from peewee import fn

from app import audit
from app.db import Prepared, db
from app.i18n import lazy_gettext as _l
from app.loans.allocation import Due, Position, allocate
from app.loans.models import (
    CHARGES, METHODS_OF_PAYMENT, REVERSIBLE, Installment, LedgerEntry, Loan, Schedule)
from app.rules import RuleError, today

REFERENCE_MAX = 64
REASON_MAX = 255
_RECEIPT = re.compile(r"[A-Z0-9]{8,12}")


class LedgerError(RuleError):
    """A ledger rule refused the entry."""


class LedgerMismatch(RuntimeError):
    """The ledger and the schedule disagree: a bug, never shown as a rule."""


def sign(kind: str, is_reversal: bool) -> int:
    base = 1 if kind in CHARGES else -1
    return -base if is_reversal else base


def normalise_receipt(text: str) -> str:
    return "".join((text or "").split()).upper()


def receipt_key(code: str) -> str:
    """What the ledger keeps to recognise a receipt: its sha256 (the code
    itself is the entry's reference, which anonymisation removes)."""
    return hashlib.sha256(normalise_receipt(code).encode()).hexdigest()


def check_receipt(text: str) -> str:
    code = normalise_receipt(text)
    if not _RECEIPT.fullmatch(code):
        raise LedgerError(_l("An M-Pesa receipt has 8 to 12 letters and digits, "
                             "like QGH7XK2M9P."), "receipt")
    return code


# --- reading the ledger ---------------------------------------------------------------

@dataclass
class Sums:
    balance: int = 0
    paid: int = 0              # repayments less their reversals and refunds
    written_off: int = 0


def sums(loan_id: int, up_to: dt.date | None = None) -> Sums:
    query = (LedgerEntry.select(LedgerEntry.kind, LedgerEntry.reverses.is_null(False),
                                fn.SUM(LedgerEntry.amount_cents))
             .where(LedgerEntry.loan == loan_id)
             .group_by(LedgerEntry.kind, LedgerEntry.reverses.is_null(False)))
    if up_to is not None:
        query = query.where(LedgerEntry.value_on <= up_to)
    out = Sums()
    for kind, is_reversal, total in query.tuples():
        signed = sign(kind, bool(is_reversal)) * int(total)
        out.balance += signed
        if kind in ("repayment", "refund"):
            out.paid -= signed
        elif kind == "write_off":
            out.written_off -= signed
    return out


def penalties(schedule_id: int, up_to: dt.date | None = None) -> dict[int, int]:
    """Late fees charged per installment of a schedule (net of reversals)."""
    query = (LedgerEntry.select(LedgerEntry.installment_number, LedgerEntry.reverses.is_null(),
                                fn.SUM(LedgerEntry.amount_cents))
             .where((LedgerEntry.schedule == schedule_id) & (LedgerEntry.kind == "penalty"))
             .group_by(LedgerEntry.installment_number, LedgerEntry.reverses.is_null()))
    if up_to is not None:
        query = query.where(LedgerEntry.value_on <= up_to)
    out: dict[int, int] = {}
    for number, original, total in query.tuples():
        out[number] = out.get(number, 0) + (int(total) if original else -int(total))
    return out


def schedule_of(loan: Loan, on: dt.date | None = None) -> Schedule | None:
    """The schedule in force: the current one, or the one in force on `on`."""
    query = Schedule.select().where(Schedule.loan == loan.id)
    if on is None:
        return query.where(Schedule.version == loan.schedule_version).first()
    return (query.where(Schedule.effective_on <= on)
            .order_by(Schedule.effective_on.desc(), Schedule.version.desc()).first())


def installments(schedule_id: int) -> list[Installment]:
    return list(Installment.select().where(Installment.schedule == schedule_id)
                .order_by(Installment.number))


def current_installments(loan: Loan) -> list[Installment]:
    """The installments of the schedule in force (one query)."""
    return list(Installment.select().join(Schedule, on=(Installment.schedule == Schedule.id))
                .where((Schedule.loan == loan.id) & (Schedule.version == loan.schedule_version))
                .order_by(Installment.number))


def dues(rows: list[Installment], late_fees: dict[int, int]) -> list[Due]:
    return [Due(r.number, r.due_on, r.principal_cents, r.interest_cents, r.fee_cents,
                late_fees.get(r.number, 0)) for r in rows]


def position(loan: Loan, on: dt.date | None = None) -> Position | None:
    """The loan's allocation: now, or with only what counted by `on`."""
    schedule = schedule_of(loan, on)
    if schedule is None:
        return None
    paid = sums(loan.id, on).paid
    return allocate(dues(installments(schedule.id), penalties(schedule.id, on)),
                    loan.allocation_order, paid)


# --- keeping the loan's figures ---------------------------------------------------------

def refresh(loan: Loan, on: dt.date | None = None) -> Loan:
    """Recompute what is kept on the loan and its installments (inside the
    caller's transaction); close a loan repaid to the cent, reopen a closed
    one a reversal left owing."""
    on = on or today()
    schedule = schedule_of(loan)
    if schedule is None:
        return loan
    rows = installments(schedule.id)
    totals = sums(loan.id)
    pos = allocate(dues(rows, penalties(schedule.id)), loan.allocation_order, totals.paid)
    if loan.status != "written_off" and totals.balance != pos.total_due - totals.paid:
        raise LedgerMismatch(f"loan {loan.id}: ledger {totals.balance} != schedule "
                             f"{pos.total_due - totals.paid}")
    _refresh_installments(rows, pos, on)
    following = pos.next_due(on)
    loan.balance_cents = totals.balance
    loan.paid_cents = max(0, totals.paid)
    loan.principal_outstanding_cents = 0 if loan.status == "written_off" \
        else pos.principal_outstanding
    loan.first_unpaid_on = pos.first_unpaid.due_on if pos.first_unpaid else None
    loan.next_due_on, loan.next_due_cents = (following[0].due_on, following[1]) \
        if following else (None, 0)
    loan.overdue_cents = pos.overdue_cents(on) if loan.status != "written_off" else 0
    if loan.status == "active" and totals.balance == 0:
        loan.status, loan.closed_on = "closed", _last_credit_day(loan.id) or on
        audit.record("loans.closed", "loan", loan.id, "repaid")
    elif loan.status == "closed" and totals.balance != 0:
        loan.status, loan.closed_on = "active", None
        audit.record("loans.reopened", "loan", loan.id, "balance after a reversal")
    if loan.status == "written_off":
        loan.first_unpaid_on = loan.next_due_on = None
        loan.next_due_cents = 0
    loan.save(only=[Loan.balance_cents, Loan.paid_cents, Loan.principal_outstanding_cents,
                    Loan.first_unpaid_on, Loan.next_due_on, Loan.next_due_cents,
                    Loan.overdue_cents, Loan.status, Loan.closed_on])
    return loan


def _refresh_installments(rows: list[Installment], pos: Position, on: dt.date) -> None:
    for i, row in enumerate(rows):
        paid = pos.paid_by_installment[i]
        state = "paid" if pos.left_on(i) <= 0 else ("overdue" if row.due_on < on else "due")
        if row.paid_cents != paid or row.state != state:
            Installment.update(paid_cents=paid, state=state).where(
                Installment.id == row.id).execute()


def _last_credit_day(loan_id: int) -> dt.date | None:
    return (LedgerEntry.select(fn.MAX(LedgerEntry.value_on))
            .where((LedgerEntry.loan == loan_id) & LedgerEntry.reverses.is_null()
                   & (LedgerEntry.kind.in_(("repayment", "waiver")))).scalar())


def locked(loan_id: int) -> Loan:
    """The loan read again inside the writing transaction (IMMEDIATE on
    SQLite: nobody else writes until it ends)."""
    return Loan.get_by_id(loan_id)


# --- writing -------------------------------------------------------------------------------

def post(loan: Loan, kind: str, amount_cents: int, value_on: dt.date, actor=None,
         **fields) -> LedgerEntry:
    """Append one entry (inside the caller's transaction)."""
    return LedgerEntry.create(loan=loan.id, kind=kind, amount_cents=amount_cents,
                              value_on=value_on, recorded_by=actor.id if actor else None,
                              **fields)


@dataclass
class Payment:
    amount_cents: int
    value_on: dt.date
    method: str
    reference: str = ""
    receipt: str = ""          # an M-Pesa receipt code
    request_key: str | None = None   # the form's one-time key: a resubmitted form counts once


def check_payment(loan: Loan, payment: Payment) -> Payment:
    if loan.status not in ("active", "closed") or loan.disbursed_on is None:
        raise LedgerError(_l("Repayments can only be recorded on a loan that was paid out."))
    if payment.amount_cents <= 0:
        raise LedgerError(_l("The amount must be more than zero."), "amount")
    if payment.method not in METHODS_OF_PAYMENT:
        raise LedgerError(_l("Choose from the list."), "method")
    if payment.value_on > today():
        raise LedgerError(_l("The date cannot be in the future."), "paid_on")
    if payment.value_on < loan.disbursed_on:
        raise LedgerError(_l("The date cannot be before the loan was paid out."), "paid_on")
    reference = " ".join((payment.reference or "").split())
    if len(reference) > REFERENCE_MAX:
        raise LedgerError(_l("Use at most %(max)d characters.", max=REFERENCE_MAX), "reference")
    receipt = ""
    if payment.method == "mpesa" or payment.receipt:
        receipt = check_receipt(payment.receipt)
    return Payment(payment.amount_cents, payment.value_on, payment.method, reference, receipt,
                   payment.request_key)


def _receipt_seq(key: str) -> int:
    """How many repayments with this receipt were reversed; refuses the
    receipt if one still counts."""
    used = list(LedgerEntry.select(LedgerEntry.id, LedgerEntry.loan)
                .where((LedgerEntry.receipt_key == key) & LedgerEntry.reverses.is_null()))
    if not used:
        return 0
    reversed_ids = {r.reverses_id for r in LedgerEntry.select(LedgerEntry.reverses)
                    .where(LedgerEntry.reverses.in_([u.id for u in used]))}
    live = [u for u in used if u.id not in reversed_ids]
    if live:
        raise LedgerError(_l("This M-Pesa receipt is already recorded, on loan %(ref)s.",
                             ref=Loan.get_by_id(live[0].loan_id).account_ref), "receipt")
    return len(used)


def record_repayment(loan: Loan, payment: Payment, actor=None, statement_line=None,
                     audit_it: bool = True) -> LedgerEntry:
    """Record a repayment (inside the caller's transaction when there is
    one: the statement import writes many in one). A receipt already
    counted is refused; a resubmitted form returns the entry it made."""
    payment = check_payment(loan, payment)
    if payment.request_key:
        done = LedgerEntry.get_or_none(LedgerEntry.request_key == payment.request_key)
        if done is not None:
            return done
    try:
        with db.atomic():
            loan = locked(loan.id)
            fields = {"method": payment.method, "reference": payment.receipt or payment.reference,
                      "request_key": payment.request_key,
                      "statement_line": statement_line.id if statement_line else None}
            if payment.receipt:
                fields["receipt_key"] = key = receipt_key(payment.receipt)
                fields["receipt_seq"] = _receipt_seq(key)
            entry = post(loan, "repayment", payment.amount_cents, payment.value_on, actor,
                         **fields)
            refresh(loan)
            if audit_it:
                audit.record("loans.repayment", "loan", loan.id,
                             f"entry {entry.id}; {payment.method}", actor=actor)
    except pw.IntegrityError:
        done = LedgerEntry.get_or_none(LedgerEntry.request_key == payment.request_key) \
            if payment.request_key else None
        if done is not None:
            return done
        raise LedgerError(_l("This M-Pesa receipt is already recorded."), "receipt") from None
    return entry


def record_many(items: list[tuple[Loan, Payment, object]], actor) -> int:
    """Many repayments (loan, payment, statement line) inside the caller's
    transaction: all inserted, then each loan refreshed once. Receipts must
    already be known not to count (imports check them first); the unique
    index still refuses a second count."""
    seqs = _receipt_seqs([receipt_key(p.receipt) for _loan, p, _line in items if p.receipt])
    rows = []
    for loan, payment, line in items:
        payment = check_payment(loan, payment)
        key = receipt_key(payment.receipt) if payment.receipt else None
        rows.append({"loan": loan.id, "kind": "repayment", "amount_cents": payment.amount_cents,
                     "value_on": payment.value_on, "recorded_by": actor.id if actor else None,
                     "method": payment.method, "reference": payment.receipt or payment.reference,
                     "receipt_key": key, "receipt_seq": seqs.get(key, 0),
                     "statement_line": line.id if line else None})
    for start in range(0, len(rows), 200):
        LedgerEntry.insert_many(rows[start:start + 200]).execute()
    for loan_id in sorted({loan.id for loan, _p, _l in items}):
        refresh(locked(loan_id))
    return len(rows)


def _receipt_seqs(keys: list[str]) -> dict[str, int]:
    """receipt key -> how many of its repayments exist (all reversed, or
    the index refuses the new one)."""
    out: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        query = (LedgerEntry.select(LedgerEntry.receipt_key, fn.COUNT(LedgerEntry.id))
                 .where(LedgerEntry.receipt_key.in_(chunk) & LedgerEntry.reverses.is_null())
                 .group_by(LedgerEntry.receipt_key).tuples())
        out.update(dict(query))
    return out


def reversal_of(entry: LedgerEntry) -> LedgerEntry | None:
    return LedgerEntry.get_or_none(LedgerEntry.reverses == entry.id)


def reverse(entry: LedgerEntry, reason: str, actor) -> LedgerEntry:
    """Undo an entry with an opposite one. Four eyes: never by the person
    who recorded it."""
    reason = " ".join((reason or "").split())
    if entry.reverses_id:
        raise LedgerError(_l("A reversal cannot be reversed."))
    if entry.kind not in REVERSIBLE:
        raise LedgerError(_l("Only repayments and late fees can be reversed."))
    if actor is None or actor.id == entry.recorded_by_id:
        raise LedgerError(_l("Someone other than the person who recorded it must reverse it."))
    if not reason:
        raise LedgerError(_l("Say why it is reversed."), "reason")
    if len(reason) > REASON_MAX:
        raise LedgerError(_l("Use at most %(max)d characters.", max=REASON_MAX), "reason")
    try:
        with db.atomic():
            loan = locked(entry.loan_id)
            if loan.status not in ("active", "closed"):
                raise LedgerError(_l("Entries of a loan that was written off stay as they are."))
            if reversal_of(entry) is not None:
                raise LedgerError(_l("This entry was already reversed."))
            undo = post(loan, entry.kind, entry.amount_cents, entry.value_on, actor,
                        reverses=entry.id, reason=reason, method=entry.method,
                        schedule=entry.schedule_id, installment_number=entry.installment_number)
            refresh(loan)
            audit.record("loans.reversed", "loan", loan.id,
                         f"entry {entry.id} reversed by {undo.id}", actor=actor)
    except pw.IntegrityError:
        raise LedgerError(_l("This entry was already reversed.")) from None
    return undo


class Entry(NamedTuple):
    """A ledger entry as the pages, the statement and the export show it."""
    id: int
    kind: str
    amount_cents: int
    value_on: dt.date
    recorded_at: dt.datetime
    recorded_by_id: int | None
    method: str
    reference: str
    reason: str
    reverses_id: int | None


# The latest entries are on the loan page, a key page: built once
# (app.db.Prepared; README, performance).
_entries = Prepared(lambda param: (
    LedgerEntry.select(LedgerEntry.id, LedgerEntry.kind, LedgerEntry.amount_cents,
                       LedgerEntry.value_on, LedgerEntry.recorded_at,
                       LedgerEntry.recorded_by.alias("recorded_by_id"), LedgerEntry.method,
                       LedgerEntry.reference, LedgerEntry.reason,
                       LedgerEntry.reverses.alias("reverses_id"))
    .where(LedgerEntry.loan == param("loan"))
    .order_by(LedgerEntry.value_on.desc(), LedgerEntry.id.desc()).limit(param("limit"))),
    row=Entry)


def entries(loan: Loan, limit: int = 200) -> list[Entry]:
    """The loan's latest `limit` entries, newest first."""
    return _entries.all(loan=loan.id, limit=limit)


def reversed_ids(loan: Loan) -> set[int]:
    return {r.reverses_id for r in LedgerEntry.select(LedgerEntry.reverses).where(
        (LedgerEntry.loan == loan.id) & LedgerEntry.reverses.is_null(False))}


def loan_entries(loan: Loan):
    """The loan's entries, as a query (get_or_404(loan_entries(loan), ...))."""
    return LedgerEntry.select().where(LedgerEntry.loan == loan.id)

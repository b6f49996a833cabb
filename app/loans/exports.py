"""What leaves the loans module: the CSV exports of the book and the
ledger (finance), a member's own part of their data export, and what
anonymisation removes (names, free text and payment references; amounts
and dates stay for statistics)."""
from __future__ import annotations

from decimal import Decimal

import peewee as pw

from app.auth.models import User
from app.loans import ledger
from app.loans.models import (
    Business, BusinessFigure, ChangeRequest, LedgerEntry, Loan, LoanNote, LoanProduct,
    StatementLine)
from app.members.models import Member


def kes(cents: int | None) -> Decimal | None:
    """Cents -> shillings with two decimals (a number, in the CSV)."""
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


BOOK_HEADER = ["loan", "member", "product", "status", "amount_kes", "installments", "frequency",
               "applied_on", "disbursed_on", "closed_on", "principal_outstanding_kes",
               "balance_kes", "oldest_unpaid_due_on", "next_due_on", "next_due_kes"]


def book_rows():
    query = (Loan.select(Loan, Member.code, LoanProduct.name)
             .join(Member, on=(Loan.member == Member.id))
             .join_from(Loan, LoanProduct, on=(Loan.product == LoanProduct.id))
             .order_by(Loan.id))
    for loan in query.iterator():
        yield [loan.account_ref, loan.member.code, loan.product.name, loan.status,
               kes(loan.amount_cents), loan.term, loan.frequency, loan.applied_on,
               loan.disbursed_on, loan.closed_on, kes(loan.principal_outstanding_cents),
               kes(loan.balance_cents), loan.first_unpaid_on, loan.next_due_on,
               kes(loan.next_due_cents)]


LEDGER_HEADER = ["entry", "loan", "member", "kind", "reverses_entry", "amount_kes",
                 "effect_on_balance_kes", "value_on", "recorded_at_utc", "recorded_by",
                 "method", "reference", "reason"]


def ledger_rows():
    query = (LedgerEntry.select(LedgerEntry, Loan.account_ref, Member.code, User.username)
             .join(Loan, on=(LedgerEntry.loan == Loan.id))
             .join(Member, on=(Loan.member == Member.id))
             .join_from(LedgerEntry, User, join_type=pw.JOIN.LEFT_OUTER,
                        on=(LedgerEntry.recorded_by == User.id))
             .order_by(LedgerEntry.id))
    for entry in query.iterator():
        effect = ledger.sign(entry.kind, entry.reverses_id is not None) * entry.amount_cents
        who = entry.recorded_by.username if entry.recorded_by_id else ""
        yield [entry.id, entry.loan.account_ref, entry.loan.member.code, entry.kind,
               entry.reverses_id or "", kes(entry.amount_cents), kes(effect), entry.value_on,
               entry.recorded_at.isoformat(timespec="seconds"), who, entry.method,
               entry.reference, entry.reason]


# --- the member's own export ------------------------------------------------------------

def member_export(member: Member) -> dict:
    """The member's loans (terms, schedule, payments) and businesses."""
    loans = []
    for loan in Loan.select().where(Loan.member == member.id).order_by(Loan.id):
        schedule = ledger.schedule_of(loan)
        rows = ledger.installments(schedule.id) if schedule else []
        payments = [e for e in ledger.entries(loan, limit=1000)
                    if e.kind in ("repayment", "refund")]
        loans.append({
            "reference": loan.account_ref, "status": loan.status,
            "amount_kes": str(kes(loan.amount_cents)), "installments": loan.term,
            "frequency": loan.frequency, "purpose": loan.purpose,
            "applied_on": loan.applied_on.isoformat(),
            "paid_out_on": loan.disbursed_on.isoformat() if loan.disbursed_on else None,
            "closed_on": loan.closed_on.isoformat() if loan.closed_on else None,
            "balance_kes": str(kes(loan.balance_cents)),
            "schedule": [{"due_on": r.due_on.isoformat(),
                          "amount_kes": str(kes(r.principal_cents + r.interest_cents
                                                + r.fee_cents)),
                          "paid_kes": str(kes(r.paid_cents))} for r in rows],
            "payments": [{"date": e.value_on.isoformat(), "amount_kes": str(kes(e.amount_cents)),
                          "kind": e.kind, "reversal": e.reverses_id is not None,
                          "method": e.method, "reference": e.reference}
                         for e in sorted(payments, key=lambda e: (e.value_on, e.id))],
        })
    businesses = []
    for business in Business.select().where(Business.member == member.id).order_by(Business.id):
        figures = BusinessFigure.select().where(BusinessFigure.business == business.id) \
            .order_by(BusinessFigure.month)
        businesses.append({
            "name": business.name, "sector": business.sector, "status": business.status,
            "started_on": business.started_on.isoformat() if business.started_on else None,
            "employees": business.employees, "description": business.description,
            "public_contact": business.public_contact,
            "figures": [{"month": f.month.isoformat()[:7],
                         "revenue_kes": str(kes(f.revenue_cents)) if f.revenue_cents is not None
                         else None,
                         "profit_kes": str(kes(f.profit_cents)) if f.profit_cents is not None
                         else None, "employees": f.employees} for f in figures]})
    return {"loans": loans, "businesses": businesses}


def scrub_member(member: Member) -> None:
    """Anonymisation (inside the member's transaction): names, free text and
    references go; amounts, dates and statuses stay."""
    loan_ids = Loan.select(Loan.id).where(Loan.member == member.id)
    Loan.update(purpose="", decision_reason="").where(Loan.member == member.id).execute()
    LoanNote.update(text="").where(LoanNote.loan.in_(loan_ids)).execute()
    ChangeRequest.update(reason="", decision_note="").where(
        ChangeRequest.loan.in_(loan_ids)).execute()
    LedgerEntry.update(reference="", reason="").where(
        LedgerEntry.loan.in_(loan_ids) & ((LedgerEntry.reference != "")
                                          | (LedgerEntry.reason != ""))).execute()
    StatementLine.update(details="").where(StatementLine.loan.in_(loan_ids)).execute()
    Business.update(name="", description="", public_contact="").where(
        Business.member == member.id).execute()

"""Applications, the two-person decision, and disbursement.

A coordinator or a mentor records an application; a finance officer who
did not record it approves or rejects it (the four-eyes rule: the service
refuses, and a CHECK on the loan row refuses whatever the code does). The
schedule is previewed before the decision and fixed at disbursement, from
the day the money is paid out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

import peewee as pw
from peewee import fn

from app import audit
from app.clock import utcnow
from app.db import Prepared, db
from app.i18n import lazy_gettext as _l
from app.loans import ledger
from app.loans import schedule as S
from app.loans.holidays import holiday_checker
from app.loans.models import (
    METHODS_OF_PAYMENT, OPEN_STATUSES, Business, Guarantor, Installment, Loan, LoanProduct,
    Schedule)
from app.members.models import Member
from app.members.services import may, member_by_code
from app.rules import RuleError, today

PURPOSE_MAX = 255
REASON_MAX = 255
MAX_GUARANTORS = 3
DISBURSE_BACK_DAYS = 90     # a disbursement may be recorded up to this many days late


class ApplicationError(RuleError):
    """An application rule refused the action."""


def account_ref(member: Member, number: int) -> str:
    """AZ-0042's first loan: AZ0042L1 (what members type in M-Pesa)."""
    return "".join(c for c in member.code if c.isalnum()).upper() + f"L{number}"


def terms_of(source, term: int | None = None) -> S.Terms:
    """The schedule terms of a product (with a chosen term) or of a loan."""
    return S.Terms(source.interest_method, source.rate_bp, source.frequency,
                   term if term is not None else source.term, source.grace_periods,
                   source.interest_in_grace, source.fee_cents)


def preview(source, amount_cents: int, term: int | None = None,
            start: dt.date | None = None) -> list[S.Row]:
    """The schedule as it would be if the money were paid out on `start`
    (today by default). Raises ScheduleError for impossible terms."""
    start = start or today()
    terms = terms_of(source, term)
    S.check_terms(terms)
    last = S.last_nominal_date(start, terms.frequency, terms.term)
    return S.build(amount_cents, terms, start, holiday_checker(start, last))


@dataclass
class Application:
    member: Member
    product: LoanProduct
    amount_cents: int
    term: int
    purpose: str
    business: Business | None = None
    guarantor_codes: list[str] = field(default_factory=list)
    share_with_mentor: bool = False


def _check_member(member: Member) -> None:
    if member.anonymised_at or member.status != "active":
        raise ApplicationError(_l("Only an active member can apply."), "member_code")
    if not may(member, "processing"):
        raise ApplicationError(_l("First record the member's consent to keeping and using "
                                  "their information."), "member_code")


def _guarantors(member: Member, codes) -> list[Member]:
    """The members named as guarantors, looked up through member_by_code.
    A code that matches nobody, an anonymised record, a member who is not
    active or has not consented to keeping their information all get the
    same message, so whoever records an application cannot use the field to
    learn which codes exist or where a member stands."""
    wanted = []
    for raw in codes:
        code = (raw or "").strip().upper()
        if code and code not in wanted:
            wanted.append(code)
    if len(wanted) > MAX_GUARANTORS:
        raise ApplicationError(_l("At most %(n)d guarantors.", n=MAX_GUARANTORS), "guarantors")
    found = []
    for code in wanted:
        other = member_by_code(code)
        if other is not None and other.id == member.id:
            raise ApplicationError(_l("A member cannot guarantee their own loan."), "guarantors")
        if other is None or other.status != "active" or not may(other, "processing"):
            raise ApplicationError(_l("%(code)s cannot be named as a guarantor. A guarantor "
                                      "must be an active member who has agreed to the centre "
                                      "keeping their information; check the code with the "
                                      "member.", code=code[:24]), "guarantors")
        found.append(other)
    return found


def check(data: Application) -> tuple[str, list[Member], list[S.Row]]:
    _check_member(data.member)
    product = data.product
    if not product.active:
        raise ApplicationError(_l("This product is no longer offered."), "product")
    if not product.min_amount_cents <= data.amount_cents <= product.max_amount_cents:
        raise ApplicationError(_l("This product lends between %(low)s and %(high)s.",
                                  low=_kes(product.min_amount_cents),
                                  high=_kes(product.max_amount_cents)), "amount")
    if not product.min_term <= data.term <= product.max_term:
        raise ApplicationError(_l("This product is repaid in %(low)d to %(high)d installments.",
                                  low=product.min_term, high=product.max_term), "term")
    purpose = " ".join((data.purpose or "").split())
    if not purpose:
        raise ApplicationError(_l("This field is required."), "purpose")
    if len(purpose) > PURPOSE_MAX:
        raise ApplicationError(_l("Use at most %(max)d characters.", max=PURPOSE_MAX), "purpose")
    if data.business is not None and data.business.member_id != data.member.id:
        raise ApplicationError(_l("Choose from the list."), "business")
    guarantors = _guarantors(data.member, data.guarantor_codes)
    rows = preview(product, data.amount_cents, data.term)
    return purpose, guarantors, rows


def _kes(cents: int) -> str:
    from app.filters import money
    return money(cents)


def apply(data: Application, actor) -> Loan:
    """Record an application (nothing is lent yet)."""
    purpose, guarantors, _rows = check(data)
    product = data.product
    try:
        with db.atomic():
            if Loan.select().where((Loan.member == data.member.id)
                                   & Loan.status.in_(OPEN_STATUSES)).exists():
                raise ApplicationError(_l("This member already has an application waiting "
                                          "for a decision."), "member_code")
            number = (Loan.select(fn.MAX(Loan.number)).where(Loan.member == data.member.id)
                      .scalar() or 0) + 1
            loan = Loan.create(
                member=data.member.id, product=product.id,
                business=data.business.id if data.business else None, number=number,
                account_ref=account_ref(data.member, number), amount_cents=data.amount_cents,
                purpose=purpose, share_with_mentor=bool(data.share_with_mentor),
                interest_method=product.interest_method, rate_bp=product.rate_bp,
                frequency=product.frequency, term=data.term,
                grace_periods=product.grace_periods, interest_in_grace=product.interest_in_grace,
                fee_cents=product.fee_cents, penalty_cents=product.penalty_cents,
                penalty_after_days=product.penalty_after_days,
                allocation_order=product.allocation_order, applied_on=today(),
                recorded_by=actor.id if actor else None)
            for other in guarantors:
                Guarantor.create(loan=loan.id, member=other.id)
            audit.record("loans.applied", "loan", loan.id, f"member {data.member.code}",
                         actor=actor)
    except pw.IntegrityError:
        raise ApplicationError(_l("This member already has an application waiting for a "
                                  "decision."), "member_code") from None
    return loan


class Named(NamedTuple):
    """A member as a loan page names them."""
    id: int
    code: str
    preferred_name: str


# On the loan page, a key page: built once (app.db.Prepared; README, performance).
_guarantors_of_loan = Prepared(lambda param: (
    Member.select(Member.id, Member.code, Member.preferred_name)
    .join(Guarantor, on=(Guarantor.member == Member.id))
    .where(Guarantor.loan == param("loan")).order_by(Member.code)), row=Named)


def guarantors_of(loan: Loan) -> list[Named]:
    return _guarantors_of_loan.all(loan=loan.id)


def _decide(loan: Loan, actor, status: str, reason: str) -> Loan:
    if actor is None or actor.id == loan.recorded_by_id:
        raise ApplicationError(_l("The person who recorded an application cannot decide on "
                                  "it: another finance officer must."))
    if loan.member.user_id and loan.member.user_id == actor.id:
        raise ApplicationError(_l("Nobody can decide on their own loan."))
    with db.atomic():
        fresh = ledger.locked(loan.id)
        if fresh.status != "applied":
            raise ApplicationError(_l("This application was already decided."))
        fresh.status, fresh.decided_by, fresh.decided_at = status, actor.id, utcnow()
        fresh.decision_reason = reason
        fresh.save(only=[Loan.status, Loan.decided_by, Loan.decided_at, Loan.decision_reason])
        audit.record(f"loans.{status}", "loan", loan.id, actor=actor)
    return fresh


def _reason(text: str, required: bool) -> str:
    reason = " ".join((text or "").split())
    if required and not reason:
        raise ApplicationError(_l("Give the reason."), "reason")
    if len(reason) > REASON_MAX:
        raise ApplicationError(_l("Use at most %(max)d characters.", max=REASON_MAX), "reason")
    return reason


def approve(loan: Loan, actor, note: str = "") -> Loan:
    _check_member(loan.member)
    return _decide(loan, actor, "approved", _reason(note, required=False))


def reject(loan: Loan, actor, reason: str) -> Loan:
    return _decide(loan, actor, "rejected", _reason(reason, required=True))


def withdraw(loan: Loan, actor, reason: str) -> Loan:
    """The member no longer wants it (before the money is paid out)."""
    reason = _reason(reason, required=True)
    with db.atomic():
        fresh = ledger.locked(loan.id)
        if fresh.status not in OPEN_STATUSES:
            raise ApplicationError(_l("Only an application not yet paid out can be withdrawn."))
        fresh.status, fresh.decision_reason = "withdrawn", reason
        fresh.save(only=[Loan.status, Loan.decision_reason])
        audit.record("loans.withdrawn", "loan", loan.id, actor=actor)
    return fresh


@dataclass
class Disbursement:
    paid_on: dt.date
    method: str
    reference: str = ""


def _check_disbursement(loan: Loan, data: Disbursement) -> str:
    if data.method not in METHODS_OF_PAYMENT:
        raise ApplicationError(_l("Choose from the list."), "method")
    if data.paid_on > today():
        raise ApplicationError(_l("The date cannot be in the future."), "paid_on")
    if data.paid_on < max(loan.applied_on, today() - dt.timedelta(days=DISBURSE_BACK_DAYS)):
        raise ApplicationError(_l("The date must be after the application and within the "
                                  "last %(days)d days.", days=DISBURSE_BACK_DAYS), "paid_on")
    reference = " ".join((data.reference or "").split())
    if len(reference) > ledger.REFERENCE_MAX:
        raise ApplicationError(_l("Use at most %(max)d characters.", max=ledger.REFERENCE_MAX),
                               "reference")
    if data.method != "cash" and not reference:
        raise ApplicationError(_l("Give the M-Pesa or bank reference."), "reference")
    return reference


def store_schedule(loan: Loan, version: int, effective_on: dt.date, reason: str,
                   rows: list[S.Row], actor) -> Schedule:
    schedule = Schedule.create(loan=loan.id, version=version, effective_on=effective_on,
                               reason=reason, created_by=actor.id if actor else None)
    Installment.insert_many([
        {"schedule": schedule.id, "number": r.number, "due_on": r.due_on,
         "principal_cents": r.principal_cents, "interest_cents": r.interest_cents,
         "fee_cents": r.fee_cents} for r in rows]).execute()
    return schedule


def disburse(loan: Loan, data: Disbursement, actor) -> Loan:
    """Pay out an approved loan: the schedule is fixed from this day, and
    the ledger gets the principal, the interest and the fee it carries."""
    reference = _check_disbursement(loan, data)
    rows = preview(loan, loan.amount_cents, start=data.paid_on)
    summary = S.summarise(rows)
    with db.atomic():
        fresh = ledger.locked(loan.id)
        if fresh.status != "approved":
            raise ApplicationError(_l("Only an approved loan can be paid out."))
        store_schedule(fresh, 1, data.paid_on, "disbursement", rows, actor)
        ledger.post(fresh, "disbursement", summary.principal_cents, data.paid_on, actor,
                    method=data.method, reference=reference)
        if summary.interest_cents:
            ledger.post(fresh, "interest", summary.interest_cents, data.paid_on, actor)
        if summary.fee_cents:
            ledger.post(fresh, "fee", summary.fee_cents, data.paid_on, actor)
        fresh.status, fresh.disbursed_on, fresh.disbursed_by = "active", data.paid_on, actor.id
        fresh.schedule_version = 1
        fresh.save(only=[Loan.status, Loan.disbursed_on, Loan.disbursed_by,
                         Loan.schedule_version])
        ledger.refresh(fresh)
        audit.record("loans.disbursed", "loan", loan.id, f"{data.method}", actor=actor)
    return fresh

"""The loan book list, a loan's notes, and the visit list."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from app import audit
from app.db import db
from app.i18n import lazy_gettext as _l
from app.loans.models import LOAN_STATUSES, Loan, LoanNote, LoanProduct
from app.loans.scope import visible_loans
from app.members.models import Member
from app.members.services import contact_phone
from app.rules import RuleError, today

PAGE_SIZE = 25
COUNT_CAP = 1000
NOTE_MAX = 2000
FILTERS = ("", "waiting", "active", "behind", "closed") + LOAN_STATUSES
VISIT_DAYS = 7


def list_page(user, status: str = "", q: str = "", page: int = 1) -> dict:
    """One page of the loans this user may see (newest first; loans
    catching up: longest behind first)."""
    page = max(1, page)
    query = (visible_loans(user)
             .select(Loan.id, Loan.account_ref, Loan.status, Loan.amount_cents, Loan.term,
                     Loan.applied_on, Loan.disbursed_on, Loan.principal_outstanding_cents,
                     Loan.balance_cents, Loan.first_unpaid_on, Loan.next_due_on,
                     Loan.next_due_cents, Loan.share_with_mentor, Loan.recorded_by,
                     Member.id, Member.code, Member.preferred_name, LoanProduct.name)
             .join_from(Loan, LoanProduct, on=(Loan.product == LoanProduct.id)))
    on = today()
    if status == "waiting":
        query = query.where(Loan.status.in_(("applied", "approved")))
    elif status == "behind":
        query = query.where((Loan.status == "active") & (Loan.first_unpaid_on < on))
    elif status in LOAN_STATUSES:
        query = query.where(Loan.status == status)
    q = " ".join((q or "").split())[:40]
    if q:
        plain = "".join(c for c in q if c.isalnum()).upper()
        query = query.where(Member.code.contains(q) | Member.preferred_name.contains(q)
                            | (Loan.account_ref == plain))
    order = [Loan.first_unpaid_on, Loan.id] if status == "behind" else [Loan.id.desc()]
    rows = list(query.order_by(*order).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE))
    capped = query.order_by().limit(COUNT_CAP + 1).count()
    return {"rows": rows[:PAGE_SIZE], "page": page, "has_next": len(rows) > PAGE_SIZE,
            "total": min(capped, COUNT_CAP), "more": capped > COUNT_CAP, "on": on}


def days_behind(loan: Loan, on: dt.date | None = None) -> int:
    on = on or today()
    first = loan.first_unpaid_on
    return (on - first).days if loan.status == "active" and first and first < on else 0


def add_note(loan: Loan, text: str, author) -> LoanNote:
    text = (text or "").strip()
    if not text:
        raise RuleError(_l("This field is required."), "text")
    if len(text) > NOTE_MAX:
        raise RuleError(_l("Use at most %(max)d characters.", max=NOTE_MAX), "text")
    with db.atomic():
        note = LoanNote.create(loan=loan.id, author=author.id, text=text)
        audit.record("loans.note", "loan", loan.id, actor=author)
    return note


def loans_of_member(member: Member) -> list[Loan]:
    return list(Loan.select().where(Loan.member == member.id).order_by(Loan.id.desc()))


# --- the visit list -----------------------------------------------------------------------

def visit_list(user, on: dt.date | None = None) -> list[dict]:
    """Members with a repayment due in the coming week or already late:
    people a visit or a call may help (listen, plan, agree what is
    possible), with their mentor and, only when they agreed to be
    contacted, their phone. Seeing the list is audited."""
    on = on or today()
    week_end = on + dt.timedelta(days=VISIT_DAYS)
    loans = list(visible_loans(user).where(
        (Loan.status == "active")
        & ((Loan.first_unpaid_on < on) | (Loan.next_due_on <= week_end)))
        .order_by(Loan.first_unpaid_on, Loan.next_due_on, Loan.id).limit(200))
    mentors = _mentors_of([loan.member_id for loan in loans])
    rows, phones = [], 0
    for loan in loans:
        phone = contact_phone(loan.member)
        phones += bool(phone)
        rows.append({"loan": loan, "member": loan.member, "days_behind": days_behind(loan, on),
                     "mentor": mentors.get(loan.member_id), "phone": phone})
    audit.record("loans.visit_list", "loan", None, f"{len(rows)} members, {phones} phones",
                 actor=user)
    return rows


def _mentors_of(member_ids: list[int]) -> dict[int, str]:
    """member id -> their active mentor's name (mentorship's pairings)."""
    if not member_ids:
        return {}
    from app.auth.models import User
    from app.mentorship.models import Pairing
    rows = (Pairing.select(Pairing.mentee, User.display_name)
            .join(User, on=(Pairing.mentor == User.id))
            .where((Pairing.status == "active") & Pairing.mentee.in_(member_ids)).tuples())
    return dict(rows)


def member_loan_count(member_ids) -> dict[int, int]:
    rows = (Loan.select(Loan.member, pw.fn.COUNT(Loan.id)).where(Loan.member.in_(member_ids))
            .group_by(Loan.member).tuples())
    return dict(rows)


# --- one loan's page ----------------------------------------------------------------------

def page(user, loan: Loan) -> dict:
    """Everything a loan's page shows this user (what they may see only)."""
    from app.access import user_can
    from app.auth.models import User
    from app.loans import applications, changes, ledger, schedule as S
    from app.loans.models import Business
    from app.loans.scope import notes_for, sees_decision_reason, sight
    seen = sight(user, loan)
    out = {"loan": loan, "member": loan.member, "sight": seen,
           "product": LoanProduct.get_by_id(loan.product_id),
           "days_behind": days_behind(loan), "guarantors": applications.guarantors_of(loan),
           "business": Business.get_or_none(Business.id == loan.business_id)
           if loan.business_id else None,
           "notes": notes_for(user, loan),
           "decision_reason": loan.decision_reason if sees_decision_reason(user, loan) else "",
           "rows": [], "preview": None, "entries": [], "reversed": set(), "requests": [],
           "pending": {}, "quote": None, "people": {}}
    if seen.terms:
        if loan.status in ("applied", "approved"):
            try:
                out["preview"] = applications.preview(loan, loan.amount_cents)
                out["summary"] = S.summarise(out["preview"])
            except S.ScheduleError:
                out["preview"] = []
        else:
            schedule = ledger.schedule_of(loan)
            out["rows"] = ledger.installments(schedule.id) if schedule else []
    if seen.ledger:
        out["entries"] = ledger.entries(loan)
        out["reversed"] = ledger.reversed_ids(loan)
        if loan.status == "active" and user_can(user, "loans.decide"):
            out["quote"] = changes.quote(loan)
    if seen.ledger or user_can(user, "loans.propose"):
        out["requests"] = changes.history(loan)
        out["pending"] = {r.kind: r for r in out["requests"] if r.status == "pending"}
    ids = {loan.recorded_by_id, loan.decided_by_id, loan.disbursed_by_id}
    ids |= {e.recorded_by_id for e in out["entries"]}
    ids |= {r.proposed_by_id for r in out["requests"]} | {r.decided_by_id for r in out["requests"]}
    ids |= {n.author_id for n in out["notes"]}
    ids.discard(None)
    if ids:
        out["people"] = dict(User.select(User.id, User.display_name)
                             .where(User.id.in_(list(ids))).tuples())
    return out


def set_sharing(loan: Loan, share: bool, actor) -> None:
    """Record the member's choice: may their mentor see the amounts?"""
    with db.atomic():
        Loan.update(share_with_mentor=bool(share)).where(Loan.id == loan.id).execute()
        audit.record("loans.sharing", "loan", loan.id, "mentor sees amounts: "
                     + ("yes" if share else "no"), actor=actor)


def own_loan(member: Member, loan_id: int) -> Loan | None:
    return Loan.get_or_none((Loan.id == loan_id) & (Loan.member == member.id))


def next_payments(member: Member) -> list[Loan]:
    """The member's loans being repaid (for their home page)."""
    return list(Loan.select().where((Loan.member == member.id) & (Loan.status == "active"))
                .order_by(Loan.next_due_on))

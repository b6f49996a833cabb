"""Who sees which loans, and how much of each.

- Finance and admin (loans.book): every loan, with amounts and the ledger.
- A coordinator: the applications and statuses of every member's loans,
  what was agreed and how it is going; not the ledger, not other staff's
  notes.
- A mentor: their mentees' loans, status only ("on track" or "catching
  up"); the amounts only when the member agreed to share them.
- A counsellor sees nothing of loans (no loans.view at all).
Every query starts from `visible_loans(user)` (one loan by id:
`visible_loan_in_full(user, id)`, the same rule): a loan outside it is a 404.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from app.access import user_can
from app.db import Prepared, whole_row
from app.loans.models import Loan, LoanNote, LoanProduct
from app.members.models import Member
from app.members.services import visible_members


@dataclass(frozen=True)
class Sight:
    ledger: bool      # repayments and reversals, balances, the actions of finance
    terms: bool       # amount, term, purpose, the schedule
    progress: bool    # the next installment and what is left

    @property
    def amounts(self) -> bool:
        return self.terms or self.progress


NOTHING = Sight(False, False, False)
BOOK = Sight(True, True, True)
COORDINATOR = Sight(False, True, True)
SHARED = Sight(False, True, True)


# The member's columns a loan page or list needs (not their identity).
MEMBER_COLUMNS = (Member.id, Member.code, Member.preferred_name, Member.status, Member.user,
                  Member.language, Member.anonymised_at)


def visible_loans(user):
    query = Loan.select(Loan, *MEMBER_COLUMNS).join(Member, on=(Loan.member == Member.id))
    if not user_can(user, "loans.view"):
        return query.where(False)
    if user_can(user, "loans.book"):
        return query
    return query.where(Loan.member.in_(visible_members(user).select(Member.id)))


def members_in_sight(user) -> list[int] | None:
    """Whose loans `user` sees, for a list of loans (the loan book): None
    for every loan (loans.book; or members.view_all: the loans of every
    member), else the ids of the members they see (visible_members: a
    mentor's mentees) — the rule of visible_loans."""
    if not user_can(user, "loans.view"):
        return []
    if user_can(user, "loans.book") or user_can(user, "members.view_all"):
        return None
    return [member_id for (member_id,) in visible_members(user).select(Member.id).tuples()]


# A loan's page and every action on a loan find the loan by id: built once
# per worker (app.db.Prepared; README, performance), the loan with its
# member's MEMBER_COLUMNS and its product's name (a row: the name, the
# member's columns, the loan's fields).
_loan_in_full = Prepared(lambda param: (
    Loan.select(LoanProduct.name, *MEMBER_COLUMNS, Loan)
    .join(Member, on=(Loan.member == Member.id))
    .join_from(Loan, LoanProduct, on=(Loan.product == LoanProduct.id))
    .where(Loan.id == param("id"))))

_MEMBER_NAMES = [column.name for column in MEMBER_COLUMNS]


def visible_loan_in_full(user, loan_id: int) -> Loan | None:
    """The loan `loan_id`, if `user` sees it (the rule of visible_loans:
    finance every loan, anyone else with loans.view the loans of the
    members they see), with `loan.member` (its MEMBER_COLUMNS) and
    `loan.product` (its name); else None."""
    if not user_can(user, "loans.view"):
        return None
    row = _loan_in_full.first(id=loan_id)
    if row is None:
        return None
    loan = whole_row(Loan, row[1 + len(_MEMBER_NAMES):])
    if not user_can(user, "loans.book") and not (
            visible_members(user).where(Member.id == loan.member_id).exists()):
        return None
    loan.member = Member(**dict(zip(_MEMBER_NAMES, row[1:])))
    loan.product = LoanProduct(id=loan.product_id, name=row[0])
    return loan


def sight(user, loan: Loan) -> Sight:
    return sights(user, [loan])[loan.id]


def sights(user, loans) -> dict[int, Sight]:
    """loan id -> how much of it this user sees (the rule above, for a
    list: the user's capabilities are looked at once)."""
    if user_can(user, "loans.book"):
        return {loan.id: BOOK for loan in loans}
    if not user_can(user, "loans.view"):
        return {loan.id: NOTHING for loan in loans}
    if user_can(user, "members.view_all"):
        return {loan.id: COORDINATOR for loan in loans}
    return {loan.id: SHARED if loan.share_with_mentor else NOTHING for loan in loans}


def sees_decision_reason(user, loan: Loan) -> bool:
    return user_can(user, "loans.book") or loan.recorded_by_id == user.id


class Note(NamedTuple):
    id: int
    at: dt.datetime
    author_id: int | None
    text: str


# On the loan page, a key page: built once (app.db.Prepared; README, performance).
# `author` None: every note.
_notes = Prepared(lambda param: (
    LoanNote.select(LoanNote.id, LoanNote.at, LoanNote.author.alias("author_id"), LoanNote.text)
    .where((LoanNote.loan == param("loan"))
           & (param("author").is_null() | (LoanNote.author == param("author"))))
    .order_by(LoanNote.id)), row=Note)


def notes_for(user, loan: Loan) -> list[Note]:
    """Finance sees every note; anyone else only their own."""
    return _notes.all(loan=loan.id, author=None if user_can(user, "loans.book") else user.id)


"""The loan book list, a loan's notes, and the visit list."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import peewee as pw

from app import audit
from app.db import Prepared, db
from app.i18n import lazy_gettext as _l
from app.loans.models import LOAN_STATUSES, Loan, LoanNote, LoanProduct
from app.loans.scope import members_in_sight, visible_loans
from app.members.models import Member
from app.members.services import contact_phone
from app.rules import RuleError, today

PAGE_SIZE = 25
COUNT_CAP = 1000
NOTE_MAX = 2000
FILTERS = ("", "waiting", "active", "behind", "closed") + LOAN_STATUSES
VISIT_DAYS = 7


class BookRow(NamedTuple):
    """A row of the loan book: the loan, its member's code and preferred
    name, its product's name."""
    id: int
    account_ref: str
    status: str
    amount_cents: int
    balance_cents: int
    first_unpaid_on: dt.date | None
    next_due_on: dt.date | None
    next_due_cents: int
    share_with_mentor: bool
    member_code: str
    member_name: str
    product_name: str


def _status_kind(status: str) -> str:
    """Which WHERE term a status filter adds ("" none)."""
    if status in ("waiting", "behind"):
        return status
    return "status" if status in LOAN_STATUSES else ""


def _terms(param, kind: str, searched: bool, scoped: bool) -> list:
    """The WHERE terms of the list: the user's scope (`scoped`: the loans
    of the members in `param("members")`), the status filter, the search."""
    terms = [Loan.member.in_(param("members", Loan.member, many=True))] if scoped else []
    if kind == "waiting":
        terms.append(Loan.status.in_(("applied", "approved")))
    elif kind == "behind":
        terms.append((Loan.status == "active") & (Loan.first_unpaid_on < param("on", Loan.first_unpaid_on)))
    elif kind == "status":
        terms.append(Loan.status == param("status"))
    if searched:
        like = pw.NodeList((param("pattern"), pw.SQL("ESCAPE"), pw.Value("\\", converter=False)))
        terms.append((Member.code ** like) | (Member.preferred_name ** like)
                     | (Loan.account_ref == param("plain")))
    return terms


def _book_rows(param, kind: str, searched: bool, scoped: bool):
    """A page of the loan book, newest first (catching up: longest behind first)."""
    query = (Loan.select(Loan.id, Loan.account_ref, Loan.status, Loan.amount_cents,
                         Loan.balance_cents, Loan.first_unpaid_on, Loan.next_due_on,
                         Loan.next_due_cents, Loan.share_with_mentor,
                         Member.code.alias("member_code"),
                         Member.preferred_name.alias("member_name"),
                         LoanProduct.name.alias("product_name"))
             .join(Member, on=(Loan.member == Member.id))
             .join_from(Loan, LoanProduct, on=(Loan.product == LoanProduct.id)))
    for term in _terms(param, kind, searched, scoped):
        query = query.where(term)
    order = [Loan.first_unpaid_on, Loan.id] if kind == "behind" else [Loan.id.desc()]
    return query.order_by(*order).limit(param("limit")).offset(param("offset"))


def _book_count(param, kind: str, searched: bool, scoped: bool):
    """How many loans the list holds, counting at most COUNT_CAP + 1."""
    counted = Loan.select(Loan.id)
    if searched:
        counted = counted.join(Member, on=(Loan.member == Member.id))
    for term in _terms(param, kind, searched, scoped):
        counted = counted.where(term)
    return Loan.select(pw.fn.COUNT(pw.SQL("1"))).from_(
        counted.limit(COUNT_CAP + 1).alias("counted"))


# The loan book is a key page (DESIGN §10): its two queries are built once
# per worker and filter (app.db.Prepared; README, performance).
_FILTERS = [(kind, searched, scoped) for kind in ("", "waiting", "behind", "status")
            for searched in (False, True) for scoped in (False, True)]
_BOOK_ROWS = {key: Prepared(lambda param, key=key: _book_rows(param, *key), row=BookRow)
              for key in _FILTERS}
_BOOK_COUNT = {key: Prepared(lambda param, key=key: _book_count(param, *key))
               for key in _FILTERS}


def list_page(user, status: str = "", q: str = "", page: int = 1) -> dict:
    """One page of the loans this user may see (newest first; loans
    catching up: longest behind first), and a count that stops at COUNT_CAP."""
    page, on = max(1, page), today()
    members = members_in_sight(user)
    kind = _status_kind(status)
    q = " ".join((q or "").split())[:40]
    values = {}
    if members is not None:
        values["members"] = members
    if kind == "behind":
        values["on"] = on
    elif kind == "status":
        values["status"] = status
    if q:
        escaped = q.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
        values["pattern"] = f"%{escaped}%"
        values["plain"] = "".join(c for c in q if c.isalnum()).upper()
    key = (kind, bool(q), members is not None)
    found = _BOOK_ROWS[key].all(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, **values)
    capped = _BOOK_COUNT[key].first(**values)[0]
    return {"rows": found[:PAGE_SIZE], "page": page, "has_next": len(found) > PAGE_SIZE,
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
    return list(loans_of(member).order_by(Loan.id.desc()))


# --- the visit list -----------------------------------------------------------------------

def visit_list(user, on: dt.date | None = None) -> list[dict]:
    """Members with a repayment due in the coming week or already late:
    people a visit or a call may help (listen, plan, agree what is
    possible), with their mentor and, only when they agreed to be
    contacted, their phone. Seeing the list is audited."""
    on = on or today()
    week_end = on + dt.timedelta(days=VISIT_DAYS)
    loans = list(visible_loans(user).select_extend(Member.phone).where(
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


def set_sharing(loan: Loan, share: bool, actor) -> None:
    """Record the member's choice: may their mentor see the amounts?"""
    with db.atomic():
        Loan.update(share_with_mentor=bool(share)).where(Loan.id == loan.id).execute()
        audit.record("loans.sharing", "loan", loan.id, "mentor sees amounts: "
                     + ("yes" if share else "no"), actor=actor)


def loans_of(member: Member):
    """The member's own loans, as a query."""
    return Loan.select().where(Loan.member == member.id)


class NextPayment(NamedTuple):
    """A loan being repaid as the member's home shows it."""
    id: int
    account_ref: str
    balance_cents: int
    first_unpaid_on: dt.date | None
    next_due_on: dt.date | None
    next_due_cents: int


# On the member's home (/me, a key page): built once (app.db.Prepared).
_next_payments = Prepared(lambda param: (
    Loan.select(Loan.id, Loan.account_ref, Loan.balance_cents, Loan.first_unpaid_on,
                Loan.next_due_on, Loan.next_due_cents)
    .where((Loan.member == param("member")) & (Loan.status == "active"))), row=NextPayment)


def next_payments(member: Member) -> list[NextPayment]:
    """The member's loans being repaid, as their home page shows them, the
    next one due first. Sorted here, not in SQL: with ORDER BY next_due_on
    SQLite (which keeps no statistics here) walked every active loan of the
    centre through the (status, next_due_on) index instead of the member's
    own few (1.7 ms on /me with 5,000 loans, 0.05 ms now)."""
    return sorted(_next_payments.all(member=member.id),
                  key=lambda loan: (loan.next_due_on is not None, loan.next_due_on or 0, loan.id))

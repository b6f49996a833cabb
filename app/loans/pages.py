"""What a loan's pages show a user: the loan page (its facts, the
installments still to pay, the latest ledger entries, the one action that
comes next), the whole schedule, the whole ledger, early repayment, and
proposed changes. Only what the user may see is loaded.

The loan page is a key page (DESIGN §10): it shows at most UNPAID_SHOWN
installments still to pay (the whole schedule is one link away) and the
latest LATEST_ENTRIES ledger entries, so its cost does not grow with the
loan's history.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import peewee as pw

from app.access import user_can
from app.auth.models import User
from app.db import Prepared
from app.loans import applications, changes, ledger
from app.loans import schedule as S
from app.loans.book import days_behind
from app.loans.models import Business, Installment, Loan, Schedule
from app.loans.scope import notes_for, sees_decision_reason, sight

LATEST_ENTRIES = 10
UNPAID_SHOWN = 12


# The loan page is a key page (DESIGN §10): its own queries are built once
# per worker (app.db.Prepared; README, performance), each row a named tuple
# of what the page shows.

_names = Prepared(lambda param: (
    User.select(User.id, User.display_name).where(User.id.in_(param("ids", User.id, many=True)))))


def _people(*groups) -> dict[int, str]:
    """user id -> display name, for every id in `groups` (one query)."""
    ids = {i for group in groups for i in group if i}
    if not ids:
        return {}
    return dict(_names.all(ids=sorted(ids)))


class Unpaid(NamedTuple):
    """An installment as the loan page's schedule shows it."""
    number: int
    due_on: dt.date
    principal_cents: int
    interest_cents: int
    fee_cents: int
    paid_cents: int
    state: str
    unpaid_total: int       # how many are not paid in all


_unpaid = Prepared(lambda param: (
    Installment.select(Installment.number, Installment.due_on, Installment.principal_cents,
                       Installment.interest_cents, Installment.fee_cents, Installment.paid_cents,
                       Installment.state,
                       pw.fn.COUNT(Installment.id).over().alias("unpaid_total"))
    .join(Schedule, on=(Installment.schedule == Schedule.id))
    .where((Schedule.loan == param("loan")) & (Schedule.version == param("version"))
           & (Installment.state != "paid"))
    .order_by(Installment.number).limit(UNPAID_SHOWN)), row=Unpaid)


def unpaid_installments(loan: Loan) -> tuple[list[Unpaid], int]:
    """The first UNPAID_SHOWN installments of the schedule in force not
    paid in full, and how many are not paid in all (one query)."""
    rows = _unpaid.all(loan=loan.id, version=loan.schedule_version)
    return rows, (rows[0].unpaid_total if rows else 0)


class BusinessName(NamedTuple):
    id: int
    name: str


_business = Prepared(lambda param: (
    Business.select(Business.id, Business.name).where(Business.id == param("business"))),
    row=BusinessName)


def loan_page(user, loan: Loan) -> dict:
    seen = sight(user, loan)
    out = {"loan": loan, "member": loan.member, "sight": seen, "product": loan.product,
           "days_behind": days_behind(loan),
           "guarantors": applications.guarantors_of(loan)
           if loan.status in ("applied", "approved", "active") else [],
           "business": _business.first(business=loan.business_id) if loan.business_id else None,
           "notes": notes_for(user, loan) if seen.terms else [],
           "decision_reason": loan.decision_reason if sees_decision_reason(user, loan) else "",
           "rows": [], "unpaid_total": 0, "preview": None, "summary": None, "entries": [],
           "more_entries": False,
           "pending": changes.pending(loan) if loan.status == "active" and (
               seen.ledger or user_can(user, "loans.propose")) else []}
    if seen.terms and loan.status in ("applied", "approved"):
        try:
            out["preview"] = applications.preview(loan, loan.amount_cents)
            out["summary"] = S.summarise(out["preview"])
        except S.ScheduleError:
            out["preview"] = []
    elif seen.terms and loan.disbursed_on:
        out["rows"], out["unpaid_total"] = unpaid_installments(loan)
    if seen.ledger:
        entries = ledger.entries(loan, limit=LATEST_ENTRIES + 1)
        out["entries"], out["more_entries"] = entries[:LATEST_ENTRIES], \
            len(entries) > LATEST_ENTRIES
    # Everyone the page names: who recorded and decided, the notes' authors,
    # who recorded the entries shown.
    out["people"] = _people([loan.recorded_by_id, loan.decided_by_id],
                            [n.author_id for n in out["notes"]],
                            [e.recorded_by_id for e in out["entries"]])
    return out


def schedule_page(loan: Loan) -> dict:
    """The whole schedule in force, paid installments included."""
    return {"loan": loan, "member": loan.member, "rows": ledger.current_installments(loan)}


def ledger_page(loan: Loan) -> dict:
    entries = ledger.entries(loan, limit=5000)
    return {"loan": loan, "member": loan.member, "entries": entries,
            "reversed": ledger.reversed_ids(loan),
            "people": _people([e.recorded_by_id for e in entries])}


def changes_page(user, loan: Loan) -> dict:
    history = changes.history(loan)
    return {"loan": loan, "member": loan.member, "sight": sight(user, loan),
            "requests": history, "pending": {r.kind: r for r in history if r.status == "pending"},
            "people": _people([r.proposed_by_id for r in history],
                              [r.decided_by_id for r in history])}

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

import peewee as pw

from app.access import user_can
from app.auth.models import User
from app.loans import applications, changes, ledger
from app.loans import schedule as S
from app.loans.book import days_behind
from app.loans.models import Business, Installment, Loan, Schedule
from app.loans.scope import notes_for, sees_decision_reason, sight

LATEST_ENTRIES = 10
UNPAID_SHOWN = 12


def _people(*groups) -> dict[int, str]:
    """user id -> display name, for every id in `groups` (one query)."""
    ids = {i for group in groups for i in group if i}
    if not ids:
        return {}
    return dict(User.select(User.id, User.display_name).where(User.id.in_(list(ids))).tuples())


def unpaid_installments(loan: Loan) -> tuple[list[Installment], int]:
    """The first UNPAID_SHOWN installments of the schedule in force not
    paid in full, and how many are not paid in all (one query)."""
    rows = list(Installment.select(Installment,
                                   pw.fn.COUNT(Installment.id).over().alias("unpaid_total"))
                .join(Schedule, on=(Installment.schedule == Schedule.id))
                .where((Schedule.loan == loan.id) & (Schedule.version == loan.schedule_version)
                       & (Installment.state != "paid"))
                .order_by(Installment.number).limit(UNPAID_SHOWN))
    return rows, (rows[0].unpaid_total if rows else 0)


def loan_page(user, loan: Loan) -> dict:
    seen = sight(user, loan)
    out = {"loan": loan, "member": loan.member, "sight": seen, "product": loan.product,
           "days_behind": days_behind(loan),
           "guarantors": applications.guarantors_of(loan)
           if loan.status in ("applied", "approved", "active") else [],
           "business": Business.select(Business.id, Business.name)
           .where(Business.id == loan.business_id).first() if loan.business_id else None,
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

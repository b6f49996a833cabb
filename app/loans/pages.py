"""What a loan's pages show a user: the loan page (its facts, the schedule,
the latest ledger entries, the one action that comes next), the whole
ledger, early repayment, and proposed changes. Only what the user may see
is loaded."""
from __future__ import annotations

from app.access import user_can
from app.auth.models import User
from app.loans import applications, changes, ledger
from app.loans import schedule as S
from app.loans.book import days_behind
from app.loans.models import Business, Loan
from app.loans.scope import notes_for, sees_decision_reason, sight

LATEST_ENTRIES = 10


def _people(*groups) -> dict[int, str]:
    """user id -> display name, for every id in `groups` (one query)."""
    ids = {i for group in groups for i in group if i}
    if not ids:
        return {}
    return dict(User.select(User.id, User.display_name).where(User.id.in_(list(ids))).tuples())


def loan_page(user, loan: Loan) -> dict:
    seen = sight(user, loan)
    out = {"loan": loan, "member": loan.member, "sight": seen, "product": loan.product,
           "days_behind": days_behind(loan),
           "guarantors": applications.guarantors_of(loan)
           if loan.status in ("applied", "approved", "active") else [],
           "business": Business.get_or_none(Business.id == loan.business_id)
           if loan.business_id else None,
           "notes": notes_for(user, loan),
           "decision_reason": loan.decision_reason if sees_decision_reason(user, loan) else "",
           "rows": [], "preview": None, "summary": None, "entries": [], "more_entries": False,
           "pending": changes.pending(loan) if loan.status == "active" and (
               seen.ledger or user_can(user, "loans.propose")) else []}
    if seen.terms and loan.status in ("applied", "approved"):
        try:
            out["preview"] = applications.preview(loan, loan.amount_cents)
            out["summary"] = S.summarise(out["preview"])
        except S.ScheduleError:
            out["preview"] = []
    elif seen.terms:
        out["rows"] = ledger.current_installments(loan)
    if seen.ledger:
        entries = ledger.entries(loan, limit=LATEST_ENTRIES + 1)
        out["entries"], out["more_entries"] = entries[:LATEST_ENTRIES], \
            len(entries) > LATEST_ENTRIES
    out["people"] = _people([loan.recorded_by_id, loan.decided_by_id],
                            [n.author_id for n in out["notes"]],
                            [e.recorded_by_id for e in out["entries"]])
    return out


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

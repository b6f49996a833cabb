"""The repayment statement a member or staff can print: the plan, each
installment, every payment and what is left. Titled discreetly ("Payment
statement"): it leaves the centre in a member's bag."""
from __future__ import annotations

from flask import current_app

from app.loans import ledger
from app.loans.models import Loan
from app.pdf import render_pdf
from app.rules import today


def context(loan: Loan) -> dict:
    schedule = ledger.schedule_of(loan)
    entries = [e for e in ledger.entries(loan, limit=2000) if e.kind in ("repayment", "refund")]
    reversed_ids = ledger.reversed_ids(loan)
    return {"loan": loan, "member": loan.member,
            "rows": ledger.installments(schedule.id) if schedule else [],
            "payments": sorted((e for e in entries if not e.reverses_id
                                and e.id not in reversed_ids),
                               key=lambda e: (e.value_on, e.id)),
            "today": today(), "centre": current_app.config["CENTRE_NAME"],
            "contact": current_app.config["CENTRE_CONTACT"]}


def pdf(loan_id: int, language: str) -> tuple[bytes, str]:
    loan = Loan.get_by_id(loan_id)
    data = render_pdf("loans/pdf/statement.html", locale=language, **context(loan))
    word = "taarifa-ya-malipo" if language == "sw" else "payment-statement"
    return data, f"{word}-{loan.account_ref}.pdf"

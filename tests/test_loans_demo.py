"""The demo book: every state, a year of repayments with some catching up,
figures that equal what the ledger gives, and a statement to try."""
from collections import Counter
from pathlib import Path

from app.db import db
from app.loans import imports, ledger, portfolio
from app.loans.models import Business, LedgerEntry, Loan, PortfolioDay, StatementLine
from tests.factories import make_user


def test_seed_demo_builds_a_consistent_book(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--members", "240", "--seed", "5"])
    assert result.exit_code == 0, result.output
    with app.app_context(), app.test_request_context(), db.connection_context():
        states = Counter(loan.status for loan in Loan.select())
        assert set(states) == {"applied", "approved", "rejected", "withdrawn", "active", "closed",
                               "written_off"}
        assert 40 <= sum(states.values()) <= 70                  # about one per four members
        assert LedgerEntry.select().where(LedgerEntry.reverses.is_null(False)).count() > 0
        assert Business.select().count() > 10
        assert PortfolioDay.select().count() == 12
        today_figures = portfolio.figures_today()
        assert today_figures.at_risk_cents[0] > 0                # some members catching up
        assert today_figures == portfolio.figures_as_of(today_figures.on)
        for loan in Loan.select().where(Loan.status.in_(("active", "closed", "written_off"))):
            kept = (loan.balance_cents, loan.principal_outstanding_cents, loan.first_unpaid_on,
                    loan.next_due_cents, loan.status)
            with db.atomic() as txn:
                fresh = ledger.refresh(Loan.get_by_id(loan.id))
                txn.rollback()
            assert kept == (fresh.balance_cents, fresh.principal_outstanding_cents,
                            fresh.first_unpaid_on, fresh.next_due_cents, fresh.status), loan.id
        sample = Path(app.config["INSTANCE_PATH"]) / "demo-mpesa-statement.csv"
        batch = imports.store_upload(sample.read_bytes(), sample.name, make_user("finance"))
        imports.run_check(batch)
        outcomes = Counter(line.outcome for line in StatementLine.select())
        assert outcomes["matched"] == 2 and outcomes["unmatched"] == 2
        assert outcomes["refused"] == 1

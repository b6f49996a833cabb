"""The demo book: every state, a year of repayments with some catching up,
figures that equal what the ledger gives, and a statement to try."""
from collections import Counter
from pathlib import Path

import pytest

from app.db import db
from app.loans import imports, ledger, portfolio
from app.loans.models import Business, LedgerEntry, Loan, PortfolioDay, StatementLine
from tests.factories import make_user


@pytest.mark.slow   # seeds the whole demo to test its seeder
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


def test_the_demo_book_is_sized_for_the_bench(conn):
    """The bench's book (issue #14): 5,000 loans at 20,000 members with
    about 100,000 ledger entries, i.e. about 20 per loan. Built here in
    memory for 1,000 loans (nothing is inserted)."""
    import datetime as dt
    import random

    from app.clock import today
    from app.loans import demo
    from app.loans.holidays import holiday_checker
    users = {role: make_user(role) for role in ("finance", "coordinator", "mentor", "admin")}
    rng, offered, on = random.Random(7), demo._products(), today()
    holidays = holiday_checker(on - dt.timedelta(days=3 * 365), on + dt.timedelta(days=2 * 365))
    book, next_ids = demo.Book(), {"schedule": 1, "entry": 1}
    for i in range(1000):
        state = demo._weighted(rng, demo.STATE_WEIGHTS)
        product = demo._weighted(rng, [(p, demo.PRODUCT_WEIGHTS.get(p.name, 10))
                                       for p in offered])
        demo._one_loan(rng, book, i + 1, (i + 1, f"AZ-{i + 1:05d}", 1), product, state, on,
                       users, holidays, next_ids)
    assert 18_000 <= len(book.entries) <= 22_000, len(book.entries)

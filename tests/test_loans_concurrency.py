"""A repayment is never counted twice, whatever arrives at the same moment:
each racer is its own process (its own app and database connection)."""
import multiprocessing as mp

import pytest

from app import create_app
from app.db import db
from app.loans import ledger
from app.loans.models import LedgerEntry, Loan
from app.rules import today
from tests.factories import make_user
from tests.loans_factories import make_loan

pytestmark = pytest.mark.slow   # races real processes (make test-fast leaves it out)

RACERS = 12


def _record(config, loan_id, user_id, amount, receipt, request_key, barrier, results):
    app = create_app(config)
    with app.app_context(), app.test_request_context(), db.connection_context():
        from app.auth.models import User
        actor = User.get_by_id(user_id)
        barrier.wait(timeout=120)
        try:
            ledger.record_repayment(Loan.get_by_id(loan_id), ledger.Payment(
                amount, today(), "mpesa" if receipt else "cash", receipt=receipt,
                request_key=request_key), actor)
            results.put("recorded")
        except ledger.LedgerError as error:
            results.put(f"refused: {error.message}")


def _race(app, jobs):
    """jobs: [(amount, receipt, request_key)], one process each."""
    with app.app_context(), app.test_request_context(), db.connection_context():
        loan = make_loan(amount_cents=10_000_000, term=12)
        actors = [make_user("finance").id for _ in jobs]
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(len(jobs)), ctx.Queue()
    config = dict(app.config)
    workers = [ctx.Process(target=_record, args=(config, loan.id, actor, amount, receipt, key,
                                                 barrier, results))
               for actor, (amount, receipt, key) in zip(actors, jobs)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    with app.app_context(), db.connection_context():
        return outcomes, Loan.get_by_id(loan.id), list(LedgerEntry.select().where(
            (LedgerEntry.loan == loan.id) & (LedgerEntry.kind == "repayment")))


def test_one_receipt_sent_by_twelve_processes_counts_once(app):
    outcomes, loan, repayments = _race(app, [(50_000, "QKL1234567", None)] * RACERS)
    assert sorted(outcomes).count("recorded") == 1
    assert all(o.startswith("refused") for o in outcomes if o != "recorded")
    assert len(repayments) == 1 and loan.paid_cents == 50_000


def test_one_form_submitted_by_twelve_processes_counts_once(app):
    outcomes, loan, repayments = _race(app, [(70_000, "", "one-form-key")] * RACERS)
    assert outcomes == ["recorded"] * RACERS        # each is told it is recorded...
    assert len(repayments) == 1 and loan.paid_cents == 70_000   # ...once


def test_twelve_different_repayments_at_once_are_all_counted(app):
    jobs = [(10_000 + i, f"QKL{i:07d}", None) for i in range(RACERS)]
    outcomes, loan, repayments = _race(app, jobs)
    assert outcomes == ["recorded"] * RACERS
    assert len(repayments) == RACERS
    assert loan.paid_cents == sum(amount for amount, _r, _k in jobs)
    assert loan.balance_cents == 10_000_000 - loan.paid_cents


def test_the_database_alone_stops_a_second_count(app, monkeypatch):
    """Without the service's own check, the unique (receipt, reversals) index
    still lets only one of the racers count the receipt."""
    monkeypatch.setattr(ledger, "_receipt_seq", lambda key: 0)
    outcomes, loan, repayments = _race(app, [(50_000, "QKL7654321", None)] * RACERS)
    assert outcomes.count("recorded") == 1
    assert len(repayments) == 1 and loan.paid_cents == 50_000

"""Reschedule and write-off (two people), early repayment and closing;
and a property: whatever happens, the ledger and the schedule agree."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.loans import changes, ledger
from app.loans.models import ChangeRequest, Installment, LedgerEntry, Loan, Schedule
from app.rules import today
from tests.factories import make_user
from tests.loans_factories import make_loan, make_product, on_day, pay

START = dt.date(2026, 3, 2)


def _reschedule(loan, proposer=None, term=4, first_due=None):
    proposer = proposer or make_user("coordinator")
    data = changes.RescheduleInput(term, "monthly", first_due or today() + dt.timedelta(days=30),
                                   "Her shop was closed for two months")
    return changes.propose(Loan.get_by_id(loan.id), "reschedule", data.reason, proposer, data)


def test_reschedule_needs_a_second_person_and_keeps_what_was_paid(conn):
    product = make_product(rate_bp=200)
    loan = make_loan(paid_on=START, product=product, amount_cents=1_200_000, term=6)
    pay(loan, 224_000, START + dt.timedelta(days=31))
    proposer = make_user("coordinator", "finance")
    request = _reschedule(loan, proposer)
    with pytest.raises(changes.ChangeError):
        changes.approve_request(request, proposer)
    with pytest.raises(changes.ChangeError):      # one waiting request of a kind
        _reschedule(loan)
    loan = changes.approve_request(request, make_user("finance"))
    assert loan.schedule_version == 2
    new = Schedule.get((Schedule.loan == loan.id) & (Schedule.version == 2))
    rows = list(Installment.select().where(Installment.schedule == new.id)
                .order_by(Installment.number))
    assert rows[0].paid_cents == 224_000 and rows[0].state == "paid"   # kept as paid
    assert sum(r.principal_cents for r in rows) == 1_200_000
    assert len(rows) == 1 + 4
    # Overdue interest is carried into the first new installment:
    overdue_interest = 24_000 * sum(1 for d in (2, 3, 4, 5, 6)
                                    if START.replace(month=3 + d) <= today())
    assert rows[1].interest_cents >= overdue_interest
    assert loan.first_unpaid_on == rows[1].due_on and loan.first_unpaid_on > today()
    assert loan.balance_cents == sum(r.principal_cents + r.interest_cents + r.fee_cents
                                     for r in rows) - 224_000
    assert ChangeRequest.get_by_id(request.id).status == "approved"


def test_write_off_needs_two_people_and_leaves_the_ledger_at_zero(conn):
    loan = make_loan(paid_on=START, amount_cents=600_000, term=3)
    pay(loan, 100_000, START + dt.timedelta(days=20))
    proposer = make_user("finance")
    request = changes.propose(Loan.get_by_id(loan.id), "write_off", "Left the country", proposer)
    with pytest.raises(changes.ChangeError):
        changes.approve_request(request, proposer)
    loan = changes.approve_request(request, make_user("finance"))
    assert loan.status == "written_off" and loan.balance_cents == 0
    assert loan.principal_outstanding_cents == 0
    write_off = LedgerEntry.get((LedgerEntry.loan == loan.id) & (LedgerEntry.kind == "write_off"))
    assert write_off.amount_cents == 500_000
    with pytest.raises(ledger.LedgerError):
        pay(loan, 10_000)


def test_a_rejected_request_changes_nothing(conn):
    loan = make_loan(amount_cents=600_000, term=3)
    request = changes.propose(loan, "write_off", "Unreachable", make_user("coordinator"))
    with pytest.raises(changes.ChangeError) as error:
        changes.reject_request(request, make_user("finance"), "")
    assert error.value.field == "reason"
    changes.reject_request(request, make_user("finance"), "She is in touch again")
    assert Loan.get_by_id(loan.id).status == "active"


def test_early_repayment_waives_interest_not_yet_due_and_closes(conn):
    product = make_product(rate_bp=300, interest_method="declining")
    loan = make_loan(paid_on=today() - dt.timedelta(days=40), product=product,
                     amount_cents=1_000_000, term=6)
    quote = changes.quote(Loan.get_by_id(loan.id))
    assert quote.waived_cents > 0
    assert quote.principal_cents == 1_000_000
    with pytest.raises(changes.ChangeError) as error:
        changes.settle(loan, ledger.Payment(quote.total_cents - 100, today(), "cash"),
                       make_user("finance"))
    assert error.value.field == "amount"
    loan = changes.settle(loan, ledger.Payment(quote.total_cents, today(), "cash"),
                          make_user("finance"))
    assert loan.status == "closed" and loan.balance_cents == 0
    waiver = LedgerEntry.get((LedgerEntry.loan == loan.id) & (LedgerEntry.kind == "waiver"))
    assert waiver.amount_cents == quote.waived_cents


def test_closing_pays_back_a_credit(conn):
    loan = make_loan(amount_cents=300_000, term=3)
    pay(loan, 350_000)
    with pytest.raises(changes.ChangeError):
        changes.close(make_loan(amount_cents=300_000, term=3), make_user("finance"))
    loan = changes.close(Loan.get_by_id(loan.id), make_user("finance"), "mpesa", "QXX1234567")
    assert loan.status == "closed" and loan.balance_cents == 0
    refund = LedgerEntry.get((LedgerEntry.loan == loan.id) & (LedgerEntry.kind == "refund"))
    assert refund.amount_cents == 50_000


actions = st.lists(st.tuples(st.sampled_from(["pay", "pay", "pay", "reverse", "reschedule"]),
                             st.integers(1, 400_000), st.integers(0, 300)), max_size=8)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=actions, rate=st.integers(0, 500), method=st.sampled_from(["flat", "declining"]))
def test_ledger_and_schedule_always_agree(conn, actions, rate, method):
    """Random repayments, reversals and reschedules: every write re-checks
    that the ledger's balance is what the schedule says is left (refresh
    raises otherwise), the principal parts add up, and nothing is negative."""
    product = make_product(rate_bp=rate, interest_method=method)
    start = today() - dt.timedelta(days=400)
    loan = make_loan(paid_on=start, product=product, amount_cents=1_000_000, term=8)
    finance, other = make_user("finance"), make_user("finance")
    made = []
    for action, amount, days in actions:
        loan = Loan.get_by_id(loan.id)
        if loan.status not in ("active", "closed"):
            break
        if action == "pay":
            made.append(pay(loan, amount, start + dt.timedelta(days=days), actor=finance))
        elif action == "reverse" and made:
            entry = made.pop()
            ledger.reverse(entry, "test", other)
        elif action == "reschedule" and loan.status == "active" and loan.balance_cents > 0:
            with on_day(today()):
                request = _reschedule(loan, term=1 + amount % 6)
                changes.approve_request(request, other)
    loan = Loan.get_by_id(loan.id)
    pos = ledger.position(loan)
    assert loan.balance_cents == ledger.sums(loan.id).balance
    assert loan.balance_cents == pos.total_due - loan.paid_cents
    assert sum(d.principal for d in pos.dues) == 1_000_000
    assert 0 <= loan.principal_outstanding_cents <= 1_000_000
    assert (loan.status == "closed") == (loan.balance_cents == 0)

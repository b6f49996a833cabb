"""Schedules against worked examples, numpy-financial and properties."""
import datetime as dt
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import assume, example, given, settings, strategies as st

from app.loans import schedule as S

MONDAY = dt.date(2026, 1, 5)
NO_HOLIDAYS = frozenset()


def build(principal, method="flat", rate_bp=0, frequency="monthly", term=6, grace=0,
          in_grace=False, fee=0, start=MONDAY, holidays=NO_HOLIDAYS):
    terms = S.Terms(method, rate_bp, frequency, term, grace, in_grace, fee)
    return S.build(principal, terms, start, holidays.__contains__)


def test_interest_free_loan_is_whole_shillings_and_the_last_absorbs_the_rest():
    rows = build(1_000_000, term=3)             # KES 10,000 over 3 months
    assert [r.total_cents for r in rows] == [333_300, 333_300, 333_400]
    assert sum(r.principal_cents for r in rows) == 1_000_000
    assert all(r.interest_cents == 0 for r in rows)


def test_flat_interest_worked_example():
    # KES 12,000, 2 % a month flat, 6 months: interest 12,000 x 0.02 x 6 = 1,440
    rows = build(1_200_000, rate_bp=200, term=6)
    assert {r.total_cents for r in rows} == {224_000}
    assert sum(r.interest_cents for r in rows) == 144_000
    assert [r.interest_cents for r in rows] == [24_000] * 6


def test_flat_uneven_split_rounds_each_part_and_the_last_takes_the_remainder():
    rows = build(1_000_050, rate_bp=150, term=7)    # KES 10,000.50 at 1.5 %
    interest = Decimal(1_000_050) * Decimal("0.015") * 7
    assert sum(r.interest_cents for r in rows) == int(interest.quantize(Decimal(1)))
    assert all(r.total_cents % 100 == 0 for r in rows[:-1])
    assert sum(r.principal_cents for r in rows) == 1_000_050


def test_declining_balance_matches_numpy_financial():
    principal, rate, n = 5_000_000, 0.03, 12    # KES 50,000 at 3 % a month
    rows = build(principal, method="declining", rate_bp=300, term=n)
    payment = -npf.pmt(rate, n, principal)
    assert rows[0].total_cents == round(payment / 100) * 100
    for k, row in enumerate(rows[:-1], start=1):
        assert row.interest_cents == pytest.approx(-npf.ipmt(rate, k, n, principal), abs=60)
    assert sum(r.principal_cents for r in rows) == principal
    assert abs(rows[-1].total_cents - payment) < 100 * n


def test_declining_balance_worked_example():
    # KES 10,000 at 10 % a month over 3 months: payment 4,021.15 -> 4,021
    rows = build(1_000_000, method="declining", rate_bp=1000, term=3)
    assert [(r.principal_cents, r.interest_cents) for r in rows] == [
        (302_100, 100_000), (332_310, 69_790), (365_590, 36_559)]


def test_zero_rate_declining_equals_flat():
    assert build(900_000, method="declining", term=4) == build(900_000, term=4)


def test_grace_without_interest_moves_the_first_installment():
    rows = build(600_000, term=4, grace=1)
    assert len(rows) == 3
    assert rows[0].due_on == dt.date(2026, 3, 5)     # after one month of grace


def test_grace_with_interest_charges_interest_only_installments():
    rows = build(1_000_000, rate_bp=100, term=4, grace=2, in_grace=True)
    assert [(r.principal_cents, r.interest_cents) for r in rows[:2]] == [(0, 10_000)] * 2
    assert sum(r.principal_cents for r in rows) == 1_000_000


def test_fee_is_part_of_the_first_installment():
    rows = build(600_000, term=3, fee=50_000)
    assert [r.fee_cents for r in rows] == [50_000, 0, 0]


def test_due_dates_by_frequency_and_month_ends():
    weekly = build(700_000, frequency="weekly", term=3)
    assert [r.due_on for r in weekly] == [dt.date(2026, 1, 12), dt.date(2026, 1, 19),
                                         dt.date(2026, 1, 26)]
    fortnight = build(700_000, frequency="fortnightly", term=2)
    assert [r.due_on for r in fortnight] == [dt.date(2026, 1, 19), dt.date(2026, 2, 2)]
    month_end = build(700_000, term=3, start=dt.date(2026, 1, 31))
    assert [r.due_on for r in month_end] == [dt.date(2026, 2, 28), dt.date(2026, 3, 31),
                                            dt.date(2026, 4, 30)]


def test_a_due_date_never_falls_on_a_sunday_or_a_holiday():
    saturday = dt.date(2026, 1, 3)
    rows = build(300_000, frequency="weekly", term=3, start=saturday - dt.timedelta(days=1),
                 holidays=frozenset({dt.date(2026, 1, 12)}))
    # Fridays 9, 16, 23 Jan: none moves. Start on a Saturday: due Sundays -> Mondays.
    assert [r.due_on.weekday() for r in rows] == [4, 4, 4]
    rows = build(300_000, frequency="weekly", term=2, start=dt.date(2026, 1, 4),
                 holidays=frozenset({dt.date(2026, 1, 12)}))
    assert rows[0].due_on == dt.date(2026, 1, 13)     # Sunday 11 -> Monday 12 (holiday) -> 13
    assert rows[1].due_on == dt.date(2026, 1, 19)


def _first_principal_share(principal: int, rate_bp: int, repaying: int, method: str) -> float:
    """The principal (in cents) the first installment repays, before rounding."""
    rate = rate_bp / 10_000
    if method == "flat" or rate == 0:
        return principal / repaying
    discount = (1 + rate) ** -repaying
    return principal * rate * discount / (1 - discount)


def test_impossible_terms_are_refused():
    with pytest.raises(S.ScheduleError) as error:
        build(1_000_000, term=0)
    assert error.value.field == "term"
    with pytest.raises(S.ScheduleError):
        build(-5, term=3)
    with pytest.raises(S.ScheduleError):
        build(1_000_000, term=3, grace=3)
    with pytest.raises(S.ScheduleError):
        build(100, term=104, frequency="weekly")   # KES 1 over two years
    with pytest.raises(S.ScheduleError) as error:  # KES 420 at 9.77 % a week: all interest
        build(42_000, "declining", 977, "weekly", 42)
    assert error.value.field == "amount"


@settings(max_examples=300, deadline=None)
@given(principal=st.integers(10_000, 500_000_000), term=st.integers(1, 60),
       grace=st.integers(0, 5), rate_bp=st.integers(0, 1000), fee=st.integers(0, 100_000),
       method=st.sampled_from(S.METHODS), frequency=st.sampled_from(S.FREQUENCIES),
       in_grace=st.booleans())
@example(principal=10_000, term=42, grace=0, rate_bp=977, fee=0, method="declining",
         frequency="weekly", in_grace=False)     # refused: KES 420 cannot carry 9.77 % a week
def test_schedule_properties(principal, term, grace, rate_bp, fee, method, frequency, in_grace):
    grace = min(grace, term - 1)
    if principal < 100 * (term - grace) * 10:
        principal = 100 * (term - grace) * 10
    # A loan whose first installment repays less than two shillings of
    # principal cannot be scheduled in whole shillings (the installment is
    # nearly all interest): it is refused, as test_impossible_terms_are_refused
    # shows; the properties are about the loans that can be.
    assume(_first_principal_share(principal, rate_bp, term - grace, method) >= 200)
    rows = build(principal, method, rate_bp, frequency, term, grace, in_grace, fee)
    assert sum(r.principal_cents for r in rows) == principal
    balance = principal
    for row in rows:
        assert min(row.principal_cents, row.interest_cents, row.fee_cents) >= 0
        balance -= row.principal_cents
        assert balance >= 0
    assert balance == 0
    assert all(r.total_cents % 100 == 0 for r in rows[:-1]) or fee % 100
    assert [r.due_on for r in rows] == sorted({r.due_on for r in rows})
    assert all(r.due_on.weekday() != 6 for r in rows)
    if rate_bp == 0:
        assert sum(r.interest_cents for r in rows) == 0

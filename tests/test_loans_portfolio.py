"""Arrears and portfolio at risk on a book built by hand, today and as of
a past day, and the daily run that keeps the figures."""
import datetime as dt
from decimal import Decimal

from app.loans import changes, portfolio
from app.loans.models import Installment, Loan, PortfolioDay, Schedule
from tests.factories import make_user
from tests.loans_factories import make_loan, on_day, pay

D = dt.date(2026, 10, 15)          # "today" of the book
EARLIER = dt.date(2026, 8, 15)     # a past day


def _dues(loan):
    schedule = Schedule.get((Schedule.loan == loan.id) & (Schedule.version == 1))
    return [i.due_on for i in Installment.select().where(Installment.schedule == schedule.id)
            .order_by(Installment.number)]


def _book():
    a = make_loan(paid_on=dt.date(2026, 7, 1), amount_cents=3_000_000, term=3)
    b = make_loan(paid_on=dt.date(2026, 6, 2), amount_cents=2_000_000, term=2)
    c = make_loan(paid_on=dt.date(2026, 8, 3), amount_cents=1_200_000, term=4)
    d = make_loan(paid_on=dt.date(2026, 9, 1), amount_cents=4_000_000, term=4)
    e = make_loan(paid_on=dt.date(2026, 7, 1), amount_cents=1_000_000, term=1)
    f = make_loan(paid_on=dt.date(2026, 5, 4), amount_cents=1_000_000, term=2)
    assert _dues(a) == [dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1)]
    assert _dues(b) == [dt.date(2026, 7, 2), dt.date(2026, 8, 3)]     # 2 Aug is a Sunday
    assert _dues(c)[0] == dt.date(2026, 9, 3)
    assert _dues(d)[0] == dt.date(2026, 10, 1)
    assert _dues(f) == [dt.date(2026, 6, 4), dt.date(2026, 7, 4)]
    pay(a, 1_000_000, dt.date(2026, 8, 1))
    pay(a, 1_000_000, dt.date(2026, 9, 1))
    pay(d, 1_000_000, dt.date(2026, 10, 1))
    pay(e, 1_000_000, dt.date(2026, 8, 1))
    with on_day(dt.date(2026, 9, 30)):
        request = changes.propose(Loan.get_by_id(f.id), "write_off", "Moved away; agreed",
                                  make_user("coordinator"))
        changes.approve_request(request, make_user("finance"))
    return a, b, c, d, e, f


def _check_today(figures):
    assert figures.outstanding_cents == 7_200_000
    assert figures.active_loans == 4
    assert figures.at_risk_cents == {0: 4_200_000, 30: 3_200_000, 90: 2_000_000}
    assert figures.par(0) == Decimal("58.3")
    assert figures.par(30) == Decimal("44.4")
    assert figures.par(90) == Decimal("27.8")
    assert [(b.loans, b.principal_cents) for b in figures.buckets] == [
        (1, 1_000_000), (1, 1_200_000), (0, 0), (1, 2_000_000)]


def test_par_today_by_hand(conn):
    _book()
    _check_today(portfolio.figures_today(D))


def test_par_from_the_ledger_equals_the_kept_figures(conn):
    _book()
    _check_today(portfolio.figures_as_of(D))


def test_par_as_of_a_past_day_by_hand(conn):
    _book()
    figures = portfolio.figures_as_of(EARLIER)
    # a: 20,000 left, not yet behind; b: 44 days behind; c: not yet due;
    # d: not paid out yet; e: repaid on 1 Aug; f: 72 days behind (written off later)
    assert figures.outstanding_cents == 2_000_000 + 2_000_000 + 1_200_000 + 1_000_000
    assert figures.at_risk_cents == {0: 3_000_000, 30: 3_000_000, 90: 0}
    assert [(b.loans, b.principal_cents) for b in figures.buckets] == [
        (0, 0), (1, 2_000_000), (1, 1_000_000), (0, 0)]


def test_a_reversal_recorded_later_changes_the_past_figures(conn):
    a, *_rest = _book()
    from app.loans import ledger
    from app.loans.models import LedgerEntry
    first = LedgerEntry.get((LedgerEntry.loan == a.id) & (LedgerEntry.kind == "repayment"))
    ledger.reverse(first, "The M-Pesa payment bounced", make_user("finance"))
    figures = portfolio.figures_as_of(EARLIER)
    assert figures.at_risk_cents[0] == 3_000_000 + 3_000_000   # a now behind since 1 Aug


def test_the_daily_run_keeps_each_day_once_and_catches_up(conn):
    _book()
    with on_day(D):
        first = portfolio.run_daily_if_due()
        assert first["days_kept"] == 1               # yesterday
        assert portfolio.run_daily_if_due() is None   # once a day
    day = PortfolioDay.get(PortfolioDay.day == D - dt.timedelta(days=1))
    assert day.outstanding_cents == portfolio.figures_as_of(day.day).outstanding_cents
    with on_day(D + dt.timedelta(days=4)):           # the Pi was off for three days
        assert portfolio.run_daily_if_due()["days_kept"] == 4
    assert PortfolioDay.select().count() == 5
    assert Installment.select().where(Installment.state == "overdue").count() > 0


def test_late_fee_is_charged_once_when_the_product_has_one(conn):
    from tests.loans_factories import make_product
    product = make_product(penalty_cents=20_000, penalty_after_days=7)
    loan = make_loan(paid_on=dt.date(2026, 7, 1), product=product, amount_cents=600_000, term=3)
    with on_day(dt.date(2026, 8, 5)):
        assert portfolio.run_daily_if_due()["late_fees"] == 0      # 4 days late: not yet
    with on_day(dt.date(2026, 8, 20)):
        assert portfolio.run_daily_if_due()["late_fees"] == 1
    with on_day(dt.date(2026, 8, 21)):
        assert portfolio.run_daily_if_due()["late_fees"] == 0
    loan = Loan.get_by_id(loan.id)
    assert loan.balance_cents == 600_000 + 20_000
    assert loan.next_due_cents == 200_000 + 20_000


def test_no_late_fee_by_default(conn):
    make_loan(paid_on=dt.date(2026, 7, 1), amount_cents=600_000, term=3)
    with on_day(dt.date(2026, 10, 1)):
        assert portfolio.run_daily_if_due()["late_fees"] == 0

"""Loans' metrics (app/loans/metrics.py) against a count done by hand on a
small known dataset; the seeded Objective 2 loan indicators are measured by
them for finance, and PAR30 is hidden when fewer than 5 loans stand behind it."""
import datetime as dt

import pytest
from bs4 import BeautifulSoup

from app.loans import ledger
from app.loans.models import Business, BusinessFigure, LedgerEntry, PortfolioDay
from app.registry import registry
from app.reports import engine, periods
from tests.factories import app_db, make_member, make_user
from tests.loans_factories import make_loan, on_day, pay

D = dt.date


def value(key, period, filters=None, by=()):
    return engine.compute(registry().metric(key), periods.parse(period), filters, by)


def build():
    """A (F) borrows 12,000 on 5 Mar 2025, B (M) 20,000 on 20 Mar, C (F)
    5,000 on 2 Apr. A repays 2,000 on 25 Mar and 1,000 on 28 Mar (reversed);
    B repays 3,000 on 5 Apr. Portfolio kept on 15 Mar, 31 Mar (6 loans,
    500 of 10,000 more than 30 days late) and 30 Apr (3 loans). Businesses:
    A's running since 2024, B's closed but with March figures, C's an idea."""
    a, b, c = (make_member(status="active", gender=g) for g in ("female", "male", "female"))
    loan_a = make_loan(D(2025, 3, 5), member=a, amount_cents=1_200_000)
    loan_b = make_loan(D(2025, 3, 20), member=b, amount_cents=2_000_000)
    make_loan(D(2025, 4, 2), member=c, amount_cents=500_000)
    with on_day(D(2025, 4, 10)):
        pay(loan_a, 200_000, D(2025, 3, 25))
        wrong = pay(loan_a, 100_000, D(2025, 3, 28))
        ledger.reverse(LedgerEntry.get_by_id(wrong.id), "Paid to the wrong loan",
                       make_user("finance"))
        pay(loan_b, 300_000, D(2025, 4, 5))
    for day, loans, late, outstanding in ((D(2025, 3, 15), 6, 0, 900_000),
                                          (D(2025, 3, 31), 6, 50_000, 1_000_000),
                                          (D(2025, 4, 30), 3, 40_000, 800_000)):
        PortfolioDay.create(day=day, active_loans=loans, outstanding_cents=outstanding,
                            par30_cents=late)
    Business.create(member=a, name="Stall", status="running", started_on=D(2024, 5, 1))
    closed = Business.create(member=b, name="Kiosk", status="closed", started_on=D(2024, 1, 1))
    BusinessFigure.create(business=closed, month=D(2025, 3, 1), revenue_cents=10_000)
    Business.create(member=c, name="Salon", status="idea")


@pytest.fixture
def loans(conn):
    build()


def test_loans_counted_by_hand(loans):
    assert value("loans.disbursed", "2025-03") == 2
    assert value("loans.disbursed", "2025-Q2") == 1
    assert value("loans.disbursed_kes", "2025-03") == 3_200_000
    assert value("loans.repaid_kes", "2025-03") == 200_000          # the reversal cancels 1,000
    assert value("loans.repaid_kes", "2025-04") == 300_000
    assert value("loans.par30_kes", "2025-Q1") == 50_000            # the last kept day, 31 Mar
    assert value("loans.outstanding_kes", "2025-Q1") == 1_000_000
    assert value("loans.outstanding_kes", "2024") == 0               # nothing kept then
    assert value("loans.businesses_running", "2025-03") == 2         # A's, and B's figures
    assert value("loans.disbursed", "2025-03", by=("gender",)) == {("female",): 1, ("male",): 1}
    assert value("loans.disbursed_kes", "2025-03", {"gender": "female"}) == 1_200_000


def test_par30_rests_on_the_loans_behind_it(loans):
    metric = registry().metric("loans.par30_kes")
    assert engine.compute_figure(metric, periods.parse("2025-Q1")).support == 6
    assert engine.compute_figure(metric, periods.parse("2025-Q2")).support == 3


def test_finance_sees_the_loan_indicators_measured(app, client, login_as):
    app.config["REPORTS_INLINE_SECONDS"] = 120
    with app_db(app):
        build()
    login_as("finance")
    page = BeautifulSoup(client.get("/reports/?period=2025-Q1").data, "html.parser")
    cards = {c.header.a.get_text(strip=True): c for c in page.select(".indicator-card")}
    assert "Members referred" not in cards
    par = cards["Portfolio at risk over 30 days (PAR30)"]
    assert par.select_one(".indicator-value strong").get_text() == "5%"
    assert cards["Microloans disbursed"].select_one(".indicator-value strong").get_text() == "<5"
    q2 = BeautifulSoup(client.get("/reports/?period=2025-Q2").data, "html.parser")
    cards = {c.header.a.get_text(strip=True): c for c in q2.select(".indicator-card")}
    assert cards["Portfolio at risk over 30 days (PAR30)"].select_one(
        ".indicator-value strong").get_text() == "<5"               # 3 loans behind it

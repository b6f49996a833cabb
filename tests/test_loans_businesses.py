"""Businesses: profile, dated self-reported figures, the chart, the
directory (consent), and what the export and anonymisation do."""
import csv
import datetime as dt
import io

import pytest

from app.csv_export import csv_lines, safe_cell
from app.loans import businesses, exports
from app.loans.chart import business_svg
from app.loans.models import Business, BusinessFigure, LedgerEntry, Loan
from app.members import services as members
from app.rules import today
from tests.factories import make_user
from tests.loans_factories import make_loan, pay
from tests.factories import make_member


def _business(member=None, **fields):
    member = member or make_member(status="active")
    data = businesses.BusinessInput(**{"name": "Mama Pima Tailoring", "sector": "tailoring",
                                       "status": "running", **fields})
    return businesses.create(member, data, make_user("coordinator"))


def test_a_business_profile_is_checked(conn):
    with pytest.raises(businesses.BusinessError) as error:
        _business(name=" ")
    assert error.value.field == "name"
    with pytest.raises(businesses.BusinessError) as error:
        _business(started_on=today() + dt.timedelta(days=3))
    assert error.value.field == "started_on"
    with pytest.raises(businesses.BusinessError):
        _business(sector="casino")


def test_figures_are_dated_by_month_and_a_month_again_replaces_it(conn):
    business = _business()
    actor = make_user("mentor")
    businesses.record_figures(business, dt.date(2026, 5, 17), 1_500_000, -20_000, 2, actor)
    businesses.record_figures(business, dt.date(2026, 5, 2), 1_600_000, 10_000, None, actor)
    businesses.record_figures(business, dt.date(2026, 6, 1), 1_800_000, 90_000, 3, actor)
    rows = list(BusinessFigure.select().order_by(BusinessFigure.month))
    assert [(r.month, r.revenue_cents, r.profit_cents) for r in rows] == [
        (dt.date(2026, 5, 1), 1_600_000, 10_000), (dt.date(2026, 6, 1), 1_800_000, 90_000)]
    assert Business.get_by_id(business.id).employees == 3
    with pytest.raises(businesses.BusinessError) as error:
        businesses.record_figures(business, today().replace(day=1) + dt.timedelta(days=40),
                                  1, 1, None, actor)
    assert error.value.field == "month"
    with pytest.raises(businesses.BusinessError):
        businesses.record_figures(business, dt.date(2026, 7, 1), None, None, None, actor)


def test_the_chart_is_an_svg_that_runs_and_fetches_nothing(conn):
    business = _business()
    businesses.record_figures(business, dt.date(2026, 5, 1), 1_500_000, 200_000, None, None)
    svg = business_svg(businesses.figures(business))
    assert svg.startswith("<svg") and "<script" not in svg
    assert "xlink:href=\"http" not in svg and "@import" not in svg
    assert business_svg([]) is None


def test_the_directory_shows_only_running_businesses_with_consent(conn):
    shown = _business(name="Shown Shop")
    hidden = _business(name="No Consent Shop")
    _business(name="Idea Shop", status="idea", member=shown.member)
    members.record_consent(shown.member, "promote", True, "signed", "sw")
    members.record_consent(hidden.member, "promote", True, "signed", "sw")
    members.record_consent(hidden.member, "promote", False, "signed", "sw")    # withdrew
    story = _business(name="Story Shop")
    members.record_consent(story.member, "story", True, "verbal", "sw")
    names = [b.name for b in businesses.directory()["rows"]]
    assert names == ["Shown Shop", "Story Shop"]


def test_export_holds_the_members_loans_and_anonymisation_keeps_only_figures(conn):
    member = make_member(status="active")
    business = _business(member=member)
    loan = make_loan(member=member, business=business, amount_cents=300_000, term=3)
    pay(loan, 100_000, method="mpesa", receipt="QAB1234567")
    data = exports.member_export(member)
    assert data["loans"][0]["reference"] == loan.account_ref
    assert data["loans"][0]["payments"][0]["reference"] == "QAB1234567"
    assert data["businesses"][0]["name"] == "Mama Pima Tailoring"
    members.anonymise(member, member.code, make_user("coordinator"))
    loan = Loan.get_by_id(loan.id)
    assert loan.purpose == "" and loan.amount_cents == 300_000 and loan.paid_cents == 100_000
    assert all(e.reference == "" for e in LedgerEntry.select().where(LedgerEntry.loan == loan.id))
    assert Business.get_by_id(business.id).name == ""
    # The receipt is still recognised after anonymisation: never counted twice.
    with pytest.raises(Exception):
        pay(make_loan(amount_cents=300_000, term=3), 100_000, method="mpesa",
            receipt="QAB1234567")


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+254712", "-1", "@SUM(A1)",
                                  "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(text):
    assert safe_cell(text) == "'" + text
    rows = list(csv.reader(io.StringIO("".join(csv_lines(["a"], [[text, -5, 12]])),
                           newline="")))
    assert rows[1] == ["'" + text, "-5", "12"]      # numbers stay numbers

"""The report pages through HTTP: who may open them, bad input, the worker
taking over long computations, charts, drill-down tables."""
import datetime as dt

import pytest

from app.registry import registry
from tests.factories import app_db
from tests.reports_helpers import booking, member
from tests.conftest import parse_html

D = dt.date


@pytest.fixture(autouse=True)
def patient(app):
    """A loaded test machine must not hand the page's work to the worker
    (the worker test below sets it to 0)."""
    app.config["REPORTS_INLINE_SECONDS"] = 120


@pytest.fixture
def referred(app):
    with app_db(app):
        for gender, county in (("female", "Kisumu"),) * 6 + (("male", "Nairobi"),) * 2:
            member(D(2025, 2, 3), gender=gender, county=county)


@pytest.mark.parametrize("role,status", [("coordinator", 200), ("admin", 200), ("finance", 200),
                                         ("trainer", 200), ("counsellor", 403), ("mentor", 403),
                                         ("member", 403), ("safeguarding_lead", 403)])
def test_who_may_open_the_reports(client, login_as, role, status):
    login_as(role)
    assert client.get("/reports/?period=2025-Q1").status_code == status


def test_finance_and_trainers_see_only_their_indicators(client, login_as, referred):
    login_as("finance")
    page = parse_html(client.get("/reports/?period=2025-Q1"))
    shown = {card.header.a["href"].split("?")[0].rsplit("/", 1)[1]
             for card in page.select(".indicator-card")}
    assert shown == {"loans_disbursed", "loans_disbursed_kes", "loans_repaid_kes", "loans_par30",
                     "businesses_running"}                # app/loans/metrics.py, nothing else
    assert client.get("/reports/indicators/referred?period=2025-Q1").status_code == 404
    assert client.get("/reports/indicators").status_code == 403


def test_report_page_shows_values_targets_and_suppression(client, login_as, referred):
    login_as("coordinator")
    page = parse_html(client.get("/reports/?period=2025-Q1"))
    cards = {c.header.a.get_text(strip=True): c for c in page.select(".indicator-card")}
    assert cards["Members referred"].select_one(".indicator-value strong").get_text() == "8"
    assert cards["Inductions completed"].select_one(".indicator-value strong").get_text() == "<5"
    # A ratio with nothing to divide by says so.
    attendance = cards["Attendance at one-to-one sessions"]
    assert attendance.select_one(".indicator-value strong").get_text() == "—"
    assert page.select_one(".report-legend")


def test_drill_down_by_gender_and_county(client, login_as, referred):
    login_as("coordinator")
    response = client.get("/reports/indicators/referred?period=2025-Q1&by=gender,county")
    assert response.status_code == 200
    table = parse_html(response).select_one("figure.breakdown table")
    header = [th.get_text(strip=True) for th in table.thead.select("th")]
    assert header[1] == "Baringo" and header[-1] == "Total"
    rows = {tr.th.get_text(strip=True): [td.get_text() for td in tr.select("td")]
            for tr in table.tbody.select("tr")}
    assert rows["Female"][-1] == "6"                    # 6 women: shown
    assert rows["Male"][-1] == "<5"                     # 2 men: hidden
    # Kisumu: 6 women, 0 men ("<5"): the column shows its total, so the 6
    # is hidden too ("*"), or the men's 0 could be worked out.
    kisumu = header.index("Kisumu") - 1
    assert rows["Male"][kisumu] == "<5" and rows["Female"][kisumu] == "*"
    assert rows["Male"][header.index("Nairobi") - 1] == "<5"
    # no hidden number can be had back: every row with one hidden has another
    for cells in rows.values():
        assert sum(c in ("<5", "*") for c in cells) != 1
    totals = [td.get_text() for td in table.tfoot.select("td")]
    assert totals[-1] == "8"


@pytest.mark.parametrize("query,message", [
    ("kind=custom&start=2025-03-10&end=2025-03-01", "before the first day"),
    ("kind=custom&start=2025-03-10", "both the first and the last day"),
    ("kind=custom&start=1890-01-01&end=1890-02-01", "between 2000-01-01 and 2100-12-31"),
    ("kind=fortnight", "Period: choose from the list"),
    ("kind=month&day=not-a-date", "Enter a date like"),
    ("period=2025-Q9", "not a period"),
])
def test_bad_periods_are_answered_next_to_the_field(client, login_as, query, message):
    login_as("coordinator")
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("by,message", [("shoe_size", "cannot break the figures down"),
                                        ("gender,gender", "two different"),
                                        ("gender,county,age_band", "one or two")])
def test_unknown_breakdowns_are_refused_clearly(client, login_as, by, message):
    login_as("coordinator")
    response = client.get(f"/reports/indicators/referred?period=2025-Q1&by={by}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_safeguarding_figures_cannot_be_broken_down(client, login_as):
    login_as("coordinator")
    response = client.get("/reports/indicators/mh_groups?period=2025-Q1&by=gender")
    assert response.status_code == 422     # group sessions held: no member to split by


def test_a_period_with_no_data_says_so(client, login_as):
    login_as("coordinator")
    response = client.get("/reports/?period=2019-Q1")
    assert response.status_code == 200
    assert "No records fall in this period" in response.get_data(as_text=True)


def test_heavy_work_goes_to_the_worker_and_the_page_follows_it(app, client, login_as, referred):
    app.config["REPORTS_INLINE_SECONDS"] = 0     # nothing is computed in the page
    login_as("coordinator")
    page = parse_html(client.get("/reports/?period=2025-Q2"))
    progress = page.select_one("#report-progress")
    assert progress is not None and progress.select_one("progress")
    poll = client.get(progress["hx-get"], headers={"HX-Request": "true"})
    assert poll.headers.get("HX-Refresh") == "true"      # huey immediate: already done
    app.config["REPORTS_INLINE_SECONDS"] = 0
    page = parse_html(client.get("/reports/?period=2025-Q2"))
    assert page.select_one("#report-progress") is None   # everything now comes from the cache


def test_someone_elses_progress_is_not_found(app, client, login_as, referred):
    app.config["REPORTS_INLINE_SECONDS"] = 0
    login_as("coordinator")
    url = parse_html(client.get("/reports/?period=2025-Q3")).select_one("#report-progress")["hx-get"]
    other = app.test_client()
    login_as("coordinator", client_=other)
    assert other.get(url).status_code == 404


def test_trend_charts_are_svg_without_script(client, login_as, referred):
    login_as("coordinator")
    page = parse_html(client.get("/reports/?period=2025-Q1"))
    image = page.select_one(".indicator-card figure.trend img")
    assert "Trend over the last 8 periods" in image["alt"]
    chart = client.get(image["src"])
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    text = chart.get_data(as_text=True)
    assert "<svg" in text and "<script" not in text and "http://" not in text.split(">", 1)[1]
    assert client.get("/reports/charts/" + "0" * 40 + ".svg").status_code == 404
    assert client.get("/reports/charts/nothex.svg").status_code == 404


def test_every_route_of_the_module_declares_its_access(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(("reports.", "wellbeing."))]
    assert len(rules) >= 20
    for rule in rules:
        assert getattr(app.view_functions[rule.endpoint], "access_rule", None), rule.rule
    assert registry


def test_finance_sees_loan_indicators_and_trainers_do_not(app, client, login_as):
    """A module's metric with capability reports.loans (as app/loans will
    register): finance and coordinators see its indicator, trainers not."""
    from app.members.models import Member
    from app.registry import EVENTS, Metric
    from app.reports.models import Indicator

    def members_as_loans(period, scope):
        return scope.count(Member.select().where(period.contains(Member.joined_on)),
                           member=Member.id)

    app.extensions["kituo"].metrics.append(Metric(
        "loans.test_disbursed", "Loans disbursed", "loans", EVENTS, members_as_loans,
        ("gender",), capability="reports.loans"))
    with app_db(app):
        Indicator.create(key="loans_test", title_en="Loans disbursed (test)",
                         title_sw="Mikopo iliyotolewa (jaribio)", numerator="loans.test_disbursed",
                         objective=2, goal=2, activity=1)
    for role, sees in (("finance", True), ("coordinator", True), ("trainer", False)):
        other = app.test_client()
        login_as(role, client_=other)
        page = parse_html(other.get("/reports/?period=2025-Q1"))
        titles = [c.header.a.get_text(strip=True) for c in page.select(".indicator-card")]
        assert ("Loans disbursed (test)" in titles) is sees, role
        status = other.get("/reports/indicators/loans_test?period=2025-Q1&by=gender").status_code
        assert status == (200 if sees else 404), role
        if role == "finance":
            assert "Members referred" not in titles


def test_while_the_worker_computes_the_page_the_page_computes_nothing_more(
        app, client, login_as, referred, monkeypatch):
    """A cold year report at 20,000 members under 16 connections answered
    1.2 requests a second with 6 failures (scripts/bench): every request
    spent its whole inline budget computing figures the worker was already
    computing. Now a person whose job is under way gets the kept figures and
    the same progress bar at once."""
    from app.jobs.models import Job
    from app.reports import engine, progress
    app.config["REPORTS_INLINE_SECONDS"] = 120
    user = login_as("coordinator")
    with app_db(app):
        job = Job.create(kind=progress._kind("2025-Q2"), owner=user.id, status=Job.QUEUED)
    computed = []
    monkeypatch.setattr(engine, "compute_figure",
                        lambda *args, **kwargs: computed.append(args) or engine.Figure(0, 0))
    page = parse_html(client.get("/reports/?period=2025-Q2"))
    assert computed == []
    bar = page.select_one("#report-progress")
    assert bar is not None and str(job.id) in bar["hx-get"]

"""The indicator framework: seeded from the work plan, every goal listed
("not measured" when nothing measures it), edits kept and audited."""
import datetime as dt

from bs4 import BeautifulSoup

from app.audit import AuditEvent
from app.registry import registry
from app.reports import indicators, workplan
from app.reports.models import Indicator, IndicatorChange
from tests.factories import app_db


def test_every_goal_the_modules_can_measure_has_an_indicator(conn):
    framework = indicators.framework()
    goals = [(o["objective"], g["goal"], g["measured"]) for o in framework for g in o["goals"]]
    assert len(goals) == len(workplan.GOALS) == 13
    measured = {(o, g) for o, g, m in goals if m}
    # What the installed modules count: mental health, community, mentoring,
    # partnerships, research, learning, data management.
    assert {(1, 1), (1, 2), (3, 1), (3, 2), (4, 1), (4, 2), (5, 2)} <= measured
    for indicator in Indicator.select():
        metrics = [registry().metric(k) for k in indicators.metric_keys(indicator)]
        assert all(metrics) or not indicators.measurable(indicator)


def test_goals_without_figures_are_listed_as_not_measured(client, login_as):
    login_as("coordinator")
    page = BeautifulSoup(client.get("/reports/indicators").data, "html.parser")
    headings = [h.get_text(" ", strip=True) for h in page.select("h3")]
    assert len(headings) == 13
    advocacy = next(h for h in headings if "movement building" in h)
    assert "Not measured" in advocacy
    mental_health = next(h for h in headings if "mental health support" in h)
    assert "Not measured" not in mental_health


def _form(indicator, **changes):
    data = {"title_en": indicator.title_en, "title_sw": indicator.title_sw,
            "objective": indicator.objective, "goal": indicator.goal,
            "activity": indicator.activity or "", "baseline": "", "baseline_on": "",
            "target": "", "target_period": "", "frequency": indicator.frequency,
            "data_source": indicator.data_source, "active": "y"}
    data.update(changes)
    return data


def test_edits_keep_the_old_baseline_and_target_and_are_audited(app, client, login_as):
    login_as("coordinator")
    with app_db(app):
        indicator = indicators.by_key("referred")
    url = "/reports/indicators/referred/edit"
    first = _form(indicator, baseline="120", baseline_on="2025-06-30", target="150",
                  target_period="FY2025")
    assert client.post(url, data=first).status_code == 303
    second = dict(first, baseline="130", target="180")
    assert client.post(url, data=second).status_code == 303
    with app_db(app):
        row = Indicator.get(Indicator.key == "referred")
        assert (row.baseline, row.target, row.target_period) == (130, 180, "FY2025")
        changes = [(c.field, c.old_value, c.new_value) for c in indicators.history(row)]
        assert ("baseline", "120", "130") in changes and ("target", "150", "180") in changes
        assert ("baseline", "", "120") in changes
        assert AuditEvent.select().where(AuditEvent.action == "indicator.changed").count() == 2
    page = client.get(url).get_data(as_text=True)
    assert "120" in page and "150" in page          # the history shows the old values


def test_percentages_are_typed_with_one_decimal(app, client, login_as):
    login_as("coordinator")
    with app_db(app):
        indicator = indicators.by_key("mh_attendance")
    response = client.post("/reports/indicators/mh_attendance/edit", data=_form(
        indicator, baseline="82.5%", baseline_on="2025-06-30", target="90",
        target_period="2026"))
    assert response.status_code == 303
    with app_db(app):
        row = indicators.by_key("mh_attendance")
        assert (row.baseline, row.target) == (825, 900)
        assert indicators.format_value(row.baseline, row.kind) == "82.5%"


def test_bad_edits_are_refused_next_to_the_field_and_nothing_changes(app, client, login_as):
    login_as("coordinator")
    with app_db(app):
        indicator = indicators.by_key("referred")
    url = "/reports/indicators/referred/edit"
    cases = [({"baseline": "lots", "baseline_on": "2025-01-01"}, "Write a number"),
             ({"baseline": "10"}, "date the baseline"),
             ({"target": "10"}, "by which period"),
             ({"target": "10", "target_period": "2025-Q7"}, "not a period"),
             ({"goal": "3", "objective": "1"}, "goal of the work plan"),
             ({"activity": "2", "goal": "3", "objective": "5"}, "another goal"),
             ({"baseline": "-4", "baseline_on": "2025-01-01"}, "below zero"),
             ({"baseline_on": "1850-01-01", "baseline": "1"}, "between 2000-01-01 and 2100-12-31"),
             ({"title_en": ""}, "required")]
    for changes, message in cases:
        response = client.post(url, data=_form(indicator, **changes))
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    with app_db(app):
        assert IndicatorChange.select().count() == 0


def test_a_coordinator_adds_a_ratio_indicator(app, client, login_as):
    login_as("coordinator")
    response = client.post("/reports/indicators/new", data={
        "numerator": "members.inducted", "denominator": "members.referred", "kind": "percent",
        "title_en": "Referred members who finished induction",
        "title_sw": "Walioletwa waliomaliza utangulizi", "objective": "1", "goal": "2",
        "activity": "2", "frequency": "yearly", "active": "y"})
    assert response.status_code == 303
    with app_db(app):
        row = Indicator.get(Indicator.title_en == "Referred members who finished induction")
        assert (row.numerator, row.denominator, row.kind) == (
            "members.inducted", "members.referred", "percent")
    bad = client.post("/reports/indicators/new", data={
        "numerator": "members.inducted", "denominator": "", "kind": "percent",
        "title_en": "x", "title_sw": "x", "objective": "1", "goal": "2", "frequency": "yearly"})
    assert bad.status_code == 422 and "choose both" in bad.get_data(as_text=True)


def test_only_coordinators_and_admins_edit_indicators(client, login_as):
    login_as("finance")
    assert client.get("/reports/indicators/referred/edit").status_code == 403
    assert client.post("/reports/indicators/referred/edit", data={}).status_code == 403
    assert dt

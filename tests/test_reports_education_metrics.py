"""Education's metrics (app/education/metrics.py) against a count done by
hand on a small known dataset, and the seeded Objective 2 indicators
measured by them for the trainers who may see them."""
import datetime as dt

import pytest
from bs4 import BeautifulSoup

from app.education.models import (
    Attendance, Certificate, ClassSession, Enrolment, TrainingClass)
from app.education.support_models import Application, FollowUp, Opportunity, Placement
from app.registry import EVENTS, PEOPLE, registry
from app.reports import engine, periods
from tests.education_factories import make_course
from tests.factories import app_db
from tests.reports_helpers import at, member

D = dt.date


def value(key, period, filters=None, by=()):
    return engine.compute(registry().metric(key), periods.parse(period), filters, by)


def _session(klass, day, cancelled=False):
    starts = at(day, 10)
    return ClassSession.create(klass=klass, starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                               cancelled_at=starts if cancelled else None)


def build():
    """March 2025, one class (1 Mar - 30 Apr). A (F) enrolled 3 Mar, B (M)
    enrolled 4 Mar, C (F) waited from 20 Feb and got a place 5 Mar, D (F)
    withdrew. Sessions 10 Mar (A present, B late, C absent), 17 Mar (A
    excused, B absent, C present), 24 Mar cancelled (A present), 2 Apr (A
    present). A completed 28 Mar with a certificate; B completed 2 Apr with
    a revoked certificate. Awards: A a scholarship (15 Mar), B a job offer
    (not a scholarship). Placements: A 10 Mar; B 20 Sep 2024 with a 6-month
    follow-up due 20 Mar 2025 "still working"; C 1 Oct 2024, "not working"."""
    a, b = member(D(2025, 1, 1), status="active"), member(D(2025, 1, 1), gender="male",
                                                          status="active")
    c, d = member(D(2025, 1, 1), status="active"), member(D(2025, 1, 1), status="active")
    klass = TrainingClass.create(course=make_course(), start_date=D(2025, 3, 1),
                                 end_date=D(2025, 4, 30), starts_time=dt.time(10),
                                 ends_time=dt.time(12))
    ea = Enrolment.create(klass=klass, member=a, status="completed", created_at=at(D(2025, 3, 3)),
                          completed_on=D(2025, 3, 28))
    eb = Enrolment.create(klass=klass, member=b, status="completed", created_at=at(D(2025, 3, 4)),
                          completed_on=D(2025, 4, 2))
    ec = Enrolment.create(klass=klass, member=c, created_at=at(D(2025, 2, 20)),
                          promoted_at=at(D(2025, 3, 5)))
    Enrolment.create(klass=klass, member=d, status="withdrawn", created_at=at(D(2025, 3, 6)))
    marks = {D(2025, 3, 10): {ea: "present", eb: "late", ec: "absent"},
             D(2025, 3, 17): {ea: "excused", eb: "absent", ec: "present"},
             D(2025, 4, 2): {ea: "present"}}
    for day, row in marks.items():
        session = _session(klass, day)
        for enrolment, status in row.items():
            Attendance.create(session=session, enrolment=enrolment, status=status)
    Attendance.create(session=_session(klass, D(2025, 3, 24), cancelled=True), enrolment=ea,
                      status="present")
    Certificate.create(enrolment=ea, code="T1", title="Tailoring", completed_on=D(2025, 3, 28),
                       issued_at=at(D(2025, 3, 29)))
    Certificate.create(enrolment=eb, code="T2", title="Tailoring", completed_on=D(2025, 3, 28),
                       issued_at=at(D(2025, 3, 29)), revoked_at=at(D(2025, 4, 1)))
    grant = Opportunity.create(title="Fees", provider="Fund", kind="scholarship")
    job = Opportunity.create(title="Shop", provider="Shop", kind="job")
    Application.create(opportunity=grant, member=a, status="awarded", updated_at=at(D(2025, 3, 15)))
    Application.create(opportunity=job, member=b, status="awarded", updated_at=at(D(2025, 3, 15)))
    Placement.create(member=a, kind="formal", employer="Shop", start_date=D(2025, 3, 10))
    for person, start, working in ((b, D(2024, 9, 20), True), (c, D(2024, 10, 1), False)):
        placement = Placement.create(member=person, kind="formal", employer="Shop",
                                     start_date=start)
        FollowUp.create(placement=placement, months=6, due_on=D(2025, 3, start.day),
                        still_working=working, answered_at=at(D(2025, 3, 25)))
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def education(conn):
    return build()


def test_education_counted_by_hand(education):
    assert value("education.enrolments", "2025-03") == 3          # A, B, C (promoted); not D
    assert value("education.enrolments", "2025-02") == 0          # C was only waiting then
    assert value("education.attended", "2025-03") == 3            # A, B late, C; not cancelled
    assert value("education.expected", "2025-03") == 5            # excused left out
    assert value("education.attended", "2025-04") == 1
    assert value("education.completions", "2025-03") == 1         # A (B in April)
    assert value("education.completions", "2025-Q2") == 1
    assert value("education.certificates", "2025-03") == 1        # B's was revoked
    assert value("education.scholarships", "2025-03") == 1        # not the job
    assert value("education.placements", "2025-03") == 1
    assert value("education.employed_6_months", "2025-03") == 1   # B, not C
    assert value("education.attended", "2025-03", by=("gender",)) == {
        ("female",): 2, ("male",): 1}
    assert value("education.enrolments", "2025-03", {"programme": "education"}) == 3


def test_education_people_and_events(education):
    metrics = {m.key: m for m in registry().metrics}
    assert metrics["education.attended"].counts == EVENTS
    assert metrics["education.placements"].counts == PEOPLE
    # A attended twice in the quarter (March and April) and counts twice as
    # attendances; placed once, A counts once as a person.
    assert value("education.attended", "2025-Q1", {"gender": "female"}) == 2
    assert value("education.attended", "2025-Q2", {"gender": "female"}) == 1


def test_education_metrics_only_for_trainers_and_managers(conn):
    metrics = [m for m in registry().metrics if m.key.startswith("education.")]
    assert len(metrics) == 8
    assert {m.capability for m in metrics} == {"reports.education"}
    seeded = {"education.placements", "education.employed_6_months", "education.enrolments",
              "education.attended", "education.expected", "education.completions",
              "education.certificates", "education.scholarships"}
    assert seeded <= {m.key for m in metrics}


def test_trainer_sees_the_education_indicators_measured(app, client, login_as):
    app.config["REPORTS_INLINE_SECONDS"] = 120
    with app_db(app):
        build()
    login_as("trainer")
    page = BeautifulSoup(client.get("/reports/?period=2025-Q1").data, "html.parser")
    cards = {c.header.a.get_text(strip=True): c for c in page.select(".indicator-card")}
    assert "Members referred" not in cards                       # not a trainer's figure
    assert cards["Enrolments in courses"].select_one(".indicator-value strong").get_text() == "<5"
    attendance = cards["Attendance at classes"]                  # 3 of 5, each under 5
    assert attendance.select_one(".indicator-value strong").get_text() == "<5"
    assert not page.find(string=lambda s: s and "not measured yet" in s)
    coordinator = app.test_client()
    login_as("coordinator", client_=coordinator)
    framework = BeautifulSoup(coordinator.get("/reports/indicators").data, "html.parser")
    rows = [tr.get_text(" ", strip=True) for tr in framework.select("tr")]
    placed = next(r for r in rows if "Members placed in work" in r)
    assert "not measured" not in placed

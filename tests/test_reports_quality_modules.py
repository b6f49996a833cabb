"""The data-quality checks loans and education register (QualityCheck hook):
loans paid out without a repayment schedule, past class sessions without a
register; counted by hand on small known datasets, with their monthly
completeness and links to where each is fixed."""
import datetime as dt

from bs4 import BeautifulSoup

from app.education import metrics as education
from app.education.models import ClassSession, Enrolment, TrainingClass
from app.loans import metrics as loans
from app.loans.models import Loan
from tests.education_factories import make_course
from tests.factories import app_db, make_user
from tests.loans_factories import make_application, make_loan
from tests.reports_helpers import at, member

D = dt.date


def _class(cancelled=False):
    return TrainingClass.create(course=make_course(), start_date=D(2025, 1, 6),
                                end_date=D(2025, 3, 28), starts_time=dt.time(10),
                                ends_time=dt.time(12),
                                cancelled_at=at(D(2025, 1, 2)) if cancelled else None)


def _session(klass, day, taken=False, cancelled=False):
    starts = at(day, 10)
    return ClassSession.create(klass=klass, starts_at=starts,
                               ends_at=starts + dt.timedelta(hours=2),
                               register_taken_at=starts if taken else None,
                               cancelled_at=starts if cancelled else None)


def build_classes():
    """One class with a member on its roster: sessions 10 Jan (register
    taken), 17 Jan and 3 Feb (not taken), 24 Jan (cancelled), one next
    year (not yet held). A class whose only people withdrew or wait, and a
    cancelled class, each with a session without a register: no register
    is owed there. By hand: 2 missing; January 1 of 2, February 0 of 1."""
    running, empty, cancelled = _class(), _class(), _class(cancelled=True)
    Enrolment.create(klass=running, member=member(D(2024, 12, 1), status="active"))
    Enrolment.create(klass=empty, member=member(D(2024, 12, 1), status="active"),
                     status="withdrawn")
    Enrolment.create(klass=empty, member=member(D(2024, 12, 1), status="active"),
                     status="waitlisted")
    Enrolment.create(klass=cancelled, member=member(D(2024, 12, 1), status="active"))
    _session(running, D(2025, 1, 10), taken=True)
    missing = [_session(running, D(2025, 1, 17)), _session(running, D(2025, 2, 3))]
    _session(running, D(2025, 1, 24), cancelled=True)
    _session(running, dt.date.today() + dt.timedelta(days=365))
    _session(empty, D(2025, 1, 20))
    _session(cancelled, D(2025, 1, 21))
    return missing


def build_loans():
    """Paid out: 10 Jan 2025 with its schedule; 15 Jan 2025 marked paid
    out outside the payout (as a restore or a hand edit could), so with no
    schedule at all; 3 Feb 2025 whose current schedule version has no
    installments (they are an older version's). An application not paid
    out owes no schedule. By hand: 2 missing; January 1 of 2, February 0
    of 1."""
    make_loan(paid_on=D(2025, 1, 10), amount_cents=300_000, term=3)
    gone = make_application(amount_cents=300_000, term=3)
    Loan.update(status="active", decided_by=make_user("finance").id,
                disbursed_on=D(2025, 1, 15)).where(Loan.id == gone.id).execute()
    moved = make_loan(paid_on=D(2025, 2, 3), amount_cents=300_000, term=3)
    Loan.update(schedule_version=Loan.schedule_version + 1).where(Loan.id == moved.id).execute()
    make_application(amount_cents=300_000, term=3)
    return [gone, moved]


def test_education_counts_past_sessions_without_a_register(conn):
    missing = build_classes()
    assert education.unregistered_count() == 2
    assert {s.id for s in education._unregistered()} == {s.id for s in missing}
    assert education.unregistered_monthly(D(2025, 1, 1), D(2025, 2, 28)) == {
        "2025-01": (1, 2), "2025-02": (0, 1)}


def test_loans_counts_loans_paid_out_without_a_schedule(conn):
    missing = build_loans()
    assert loans.unscheduled_count() == 2
    assert {loan.id for loan in loans._unscheduled()} == {loan.id for loan in missing}
    assert loans.unscheduled_monthly(D(2025, 1, 1), D(2025, 2, 28)) == {
        "2025-01": (1, 2), "2025-02": (0, 1)}


def test_the_quality_page_lists_them_with_links_to_fix(app, client, login_as):
    with app_db(app):
        sessions = build_classes()
        gone, moved = build_loans()
    login_as("coordinator")
    page = BeautifulSoup(client.get("/reports/quality").data, "html.parser")
    counts = {tr.th.get_text(strip=True): tr.select("td")[-1].get_text() for tr in
              page.select("table")[0].tbody.select("tr")}
    assert counts["Past class sessions without a register"] == "2"
    assert counts["Loans paid out without a repayment schedule"] == "2"
    links = {}
    for key in ("education.unregistered", "loans.unscheduled"):
        items = BeautifulSoup(client.get(f"/reports/quality/{key}").data,
                              "html.parser").select("ul.quality-items a")
        links[key] = [a["href"] for a in items]
    assert links["education.unregistered"] == [f"/education/sessions/{s.id}/register"
                                               for s in reversed(sessions)]
    assert links["loans.unscheduled"] == [f"/loans/{moved.id}", f"/loans/{gone.id}"]
    for href in links["education.unregistered"] + links["loans.unscheduled"]:
        assert client.get(href).status_code == 200
    client.post("/logout")
    login_as("trainer")
    assert client.get("/reports/quality/education.unregistered").status_code in (403, 404)


def test_the_swahili_page_names_the_checks_in_swahili(app, client, login_as):
    with app_db(app):
        build_classes()
        build_loans()
    login_as("coordinator", language="sw")
    page = client.get("/reports/quality").get_data(as_text=True)
    assert "Past class sessions without a register" not in page
    assert "Loans paid out without a repayment schedule" not in page


def test_finance_sees_the_loans_check_and_nothing_else(app, client, login_as):
    """Finance pays loans out and keeps their schedules, so the check that
    finds loans without one is theirs to fix; the members, counselling,
    mentoring and education checks stay with the roles that fix them (and
    the completeness score counts only what finance sees)."""
    with app_db(app):
        build_classes()
        gone, moved = build_loans()
    login_as("finance")
    response = client.get("/reports/quality")
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    checks = [tr.th.get_text(strip=True) for tr in page.select("table")[0].tbody.select("tr")]
    assert checks == ["Loans paid out without a repayment schedule"]
    assert page.find("a", href="/reports/quality")
    items = BeautifulSoup(client.get("/reports/quality/loans.unscheduled").data, "html.parser")
    assert [a["href"] for a in items.select("ul.quality-items a")] == [
        f"/loans/{moved.id}", f"/loans/{gone.id}"]
    for key in ("education.unregistered", "members.duplicates", "counselling.unmarked"):
        assert client.get(f"/reports/quality/{key}").status_code == 404

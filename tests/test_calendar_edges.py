"""Dates at the edge of the calendar (issue #10 item 10): every date a
person types has a sane range, checked by the form (422, the field named,
nothing written) and by a CHECK constraint in the database; odd dates
already stored are repaired by the migration (audited); and code that
reads stored dates never takes a whole page down with one odd row."""
import datetime as dt
import re
import sqlite3

import peewee as pw
import pytest
from bs4 import BeautifulSoup

from app.audit import AuditEvent
from app.clock import to_local, to_utc
from app.db import db
from app.migrations import MIGRATIONS
from app.clock import NEAR_YEARS, date_bounds
from app.members.models import ConsentEvent, InductionMeeting, Member
from app.mentorship.models import Goal, Pairing, SessionLog
from app.safeguarding.models import Concern
from tests.conftest import make_test_app
from tests.factories import PASSWORD, app_db, make_member, make_user


def _page(response):
    return BeautifulSoup(response.data, "html.parser")


# --- the forms --------------------------------------------------------------------

@pytest.fixture
def member(app):
    with app_db(app):
        return make_member()


@pytest.mark.parametrize("typed", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_a_consent_date_outside_the_calendar_is_refused(app, client, login_as, member, typed):
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/consents", data={
        "purpose": "contact", "given": "yes", "method": "signed", "language": "sw",
        "recorded_on": typed, "note": ""})
    assert response.status_code == 422
    assert _page(response).select_one("#recorded_on-error")
    with app_db(app):
        assert ConsentEvent.select().where(ConsentEvent.purpose == "contact").count() == 0


@pytest.mark.parametrize("typed", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_a_meeting_far_from_today_is_refused(app, client, login_as, member, typed):
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/meetings", data={"starts_at": typed})
    assert response.status_code == 422
    assert "Enter a date between" in response.get_data(as_text=True)
    with app_db(app):
        assert InductionMeeting.select().count() == 0


def test_a_meeting_within_a_few_years_is_accepted(app, client, login_as, member):
    login_as("coordinator")
    soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post(f"/members/{member.id}/meetings", data={"starts_at": f"{soon}T10:00"})
    assert response.status_code == 303


def test_the_range_of_near_dates_follows_today():
    first, last = date_bounds(near=True)
    today = dt.date.today()
    assert first.year == today.year - NEAR_YEARS and last.year == today.year + NEAR_YEARS


def test_an_audit_filter_outside_the_calendar_is_an_error_not_a_crash(client, login_as):
    login_as("admin")
    response = client.get("/admin/audit", query_string={"since": "0001-01-01",
                                                       "until": "9999-12-31"})
    assert response.status_code == 200
    assert _page(response).select_one("#since-error")


# --- the database ------------------------------------------------------------------

def _raw_insert_fails(sql, params):
    with pytest.raises(pw.IntegrityError, match="CHECK"):
        with db.atomic():
            db.execute_sql(sql, params)


@pytest.mark.parametrize("table, column, value", [
    ("member", "joined_on", "0002-01-01"), ("member", "exited_on", "9999-12-31"),
    ("member", "birth_year", 19), ("consent_event", "recorded_on", "0001-01-01"),
    ("induction_meeting", "starts_at", "9999-12-31 20:59:00"),
    ("pairing", "start_date", "0002-01-01"), ("pairing", "next_meeting_at", "9999-12-31 20:59:00"),
    ("goal", "target_date", "2101-01-01"), ("session_log", "held_on", "1999-12-31"),
    ("concern", "review_on", "0002-01-01"),
])
def test_the_database_refuses_a_date_outside_the_calendar(app, table, column, value):
    with app_db(app):
        pairing = _a_pairing_with_a_goal_log_and_concern()
        row_id = {"member": pairing.mentee_id, "consent_event": ConsentEvent.get().id,
                  "pairing": pairing.id, "goal": Goal.get().id,
                  "session_log": SessionLog.get().id, "concern": Concern.get().id}
        if table == "induction_meeting":
            InductionMeeting.create(member=pairing.mentee_id, starts_at=dt.datetime(2026, 12, 1, 7))
        key = row_id.get(table) or InductionMeeting.get().id
        _raw_insert_fails(f'UPDATE "{table}" SET "{column}" = ? WHERE id = ?', [value, key])


def _a_pairing_with_a_goal_log_and_concern():
    from app.mentorship import services as mentoring
    from app.safeguarding import services as safeguarding
    from tests.mentorship_factories import make_pairing, session_input
    pairing = make_pairing()
    mentor = pairing.mentor
    mentoring.add_goal(pairing, "Find work", "livelihood", None, mentor)
    mentoring.log_session(pairing, mentor, session_input())
    safeguarding.raise_concern(pairing.mentee, mentor, "other", "routine", "Worried.", "")
    return Pairing.get_by_id(pairing.id)


# --- odd dates stored before the checks ---------------------------------------------

_CALENDAR_CHECK = re.compile(r", CHECK \(\w+ IS NULL OR (\(\w+ >= '2000-01-01' AND \w+ < "
                             r"'2101-01-01'\)|\w+ BETWEEN 1900 AND 2100)\)")


def _as_before_the_calendar_checks(path, tables, versions):
    """Take a current database back to before the calendar steps: the same
    tables without their CHECK constraints."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    for table in tables:
        create = con.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?",
                             (table,)).fetchone()[0]
        old = _CALENDAR_CHECK.sub("", create).replace(f'"{table}"', f'"{table}_old"', 1)
        assert "CHECK" not in old
        indexes = [r[0] for r in con.execute(
            "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL",
            (table,))]
        con.executescript(f"""
            {old};
            INSERT INTO "{table}_old" SELECT * FROM "{table}";
            DROP TABLE "{table}";
            ALTER TABLE "{table}_old" RENAME TO "{table}";
            {";".join(indexes)};""")
    con.execute(f"DELETE FROM schema_version WHERE version IN ({','.join(map(str, versions))})")
    con.commit()
    return con


def test_the_migration_repairs_odd_dates_and_adds_the_checks(tmp_path):
    app = make_test_app(tmp_path)
    with app_db(app):
        pairing = _a_pairing_with_a_goal_log_and_concern()
    con = _as_before_the_calendar_checks(
        tmp_path / "kituo.db", ["member", "consent_event", "pairing", "session_log", "concern"],
        [61, 51, 32])
    con.execute("UPDATE member SET joined_on='0002-01-01', birth_year=20266 WHERE id=?",
                (pairing.mentee_id,))
    con.execute("UPDATE pairing SET next_meeting_at='9999-12-31 20:59:00'")
    con.execute("UPDATE session_log SET held_on='0001-01-01'")
    con.execute("UPDATE concern SET review_on='9999-12-31'")
    con.commit()
    con.close()
    app = make_test_app(tmp_path)   # upgrade() runs steps 32, 51 and 61
    with app_db(app):
        member = Member.get_by_id(pairing.mentee_id)
        assert (member.joined_on, member.birth_year) == (dt.date(2000, 1, 1), None)
        assert Pairing.get().next_meeting_at == dt.datetime(2100, 12, 31, 23, 59)
        assert SessionLog.get().held_on == dt.date(2000, 1, 1)
        assert Concern.get().review_on == dt.date(2100, 12, 31)
        repaired = [e.summary for e in AuditEvent.select().where(
            AuditEvent.action == "data.repaired")]
        assert len(repaired) == 5 and any("0002-01-01" in s for s in repaired)
        _raw_insert_fails("UPDATE session_log SET held_on = '0001-01-01'", [])
        assert {m.version for m in MIGRATIONS} <= {
            r[0] for r in db.execute_sql("SELECT version FROM schema_version")}


# --- reading odd dates -----------------------------------------------------------------

def test_converting_times_at_the_very_edge_never_raises():
    assert to_local(dt.datetime(9999, 12, 31, 23, 59)).year == 9999
    assert to_utc(dt.datetime(1, 1, 1, 0, 0)) == dt.datetime.min


def test_one_failing_dashboard_panel_does_not_take_the_dashboard_down(app, client, login_as):
    from app.registry import Panel

    def broken(user):
        raise OverflowError("date value out of range")

    reg = app.extensions["kituo"]
    reg.panels.append(Panel("broken", "admin/_panel_users_by_role.html", "dashboard.view",
                            broken, order=1))
    login_as("admin")
    response = client.get("/")
    assert response.status_code == 200
    page = _page(response)
    assert "cannot be shown" in page.select_one("#panel-broken").get_text()
    assert len(page.select(".panel")) > 1          # the other panels are there


# --- counselling: typed dates, query dates and stored time away ---------------------------

EDGE_DAYS = ["0001-01-01", "0002-01-01", "1999-12-31", "9999-12-31"]


@pytest.fixture
def counsellor(app):
    from tests.counselling_helpers import counsellor_every_day
    with app_db(app):
        return counsellor_every_day(username="edge_counsellor")


@pytest.mark.parametrize("typed", EDGE_DAYS)
def test_time_away_far_from_today_is_refused(app, client, login_as, counsellor, typed):
    from app.counselling.models import AvailabilityException
    login_as("coordinator")
    response = client.post(f"/counselling/availability/{counsellor.id}/exceptions", data={
        "first_day": typed, "last_day": typed, "kind": "leave", "note": ""})
    assert response.status_code == 422
    assert _page(response).select_one("#first_day-error")
    with app_db(app):
        assert AvailabilityException.select().count() == 0


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31"])
def test_a_holiday_or_group_session_far_from_today_is_refused(app, client, login_as,
                                                               counsellor, typed):
    from app.counselling.models import GroupSession, Holiday
    login_as("coordinator")
    with app_db(app):
        holidays = Holiday.select().count()
    response = client.post("/counselling/holidays", data={"name": "Odd", "day": typed})
    assert response.status_code == 422
    response = client.post("/counselling/groups/new", data={
        "title": "Circle", "day": typed, "start_time": "10:00", "minutes": "90",
        "capacity": "12", "weeks": "1", "facilitators": str(counsellor.id)})
    assert response.status_code == 422
    assert _page(response).select_one("#day-error")
    with app_db(app):
        assert Holiday.select().count() == holidays and GroupSession.select().count() == 0


@pytest.mark.parametrize("typed", EDGE_DAYS + ["9999-12-31T23:59", "99999-01-01"])
def test_browsing_to_the_edge_of_the_calendar_shows_a_page(client, login_as, counsellor, typed):
    login_as("coordinator")
    for url, args in [("/counselling/slots", {"from": typed}),
                      (f"/counselling/counsellors/{counsellor.id}/week", {"week": typed}),
                      ("/counselling/agenda", {"day": typed, "counsellor": counsellor.id}),
                      ("/counselling/agenda", {"day": typed, "view": "week",
                                               "counsellor": counsellor.id})]:
        assert client.get(url, query_string=args).status_code == 200, (url, args)


@pytest.mark.parametrize("start", ["9999-12-31T23:59", "0001-01-01T00:00", "2101-01-01T10:00"])
def test_booking_at_the_edge_of_the_calendar_is_refused(app, client, login_as, counsellor,
                                                        start):
    from app.counselling.models import Booking
    with app_db(app):
        code = make_member().code
    login_as("coordinator")
    response = client.get("/counselling/bookings/new",
                          query_string={"counsellor_id": counsellor.id, "starts_at": start})
    assert response.status_code == 404
    response = client.post("/counselling/bookings/new", data={
        "member_code": code, "counsellor_id": counsellor.id, "starts_at": start})
    assert response.status_code in (404, 422)
    with app_db(app):
        assert Booking.select().count() == 0


@pytest.mark.parametrize("table, column, value", [
    ("availability_exception", "starts_at", "0001-12-31 21:00:00"),
    ("availability_exception", "ends_at", "9999-12-31 20:59:00"),
])
def test_the_database_refuses_time_away_outside_the_calendar(app, counsellor, table, column,
                                                             value):
    from app.counselling import services
    with app_db(app):
        away = services.add_exception(counsellor, dt.date.today(), dt.date.today(), "leave")
        _raw_insert_fails(f'UPDATE "{table}" SET "{column}" = ? WHERE id = ?', [value, away.id])


def test_leave_stored_from_year_2_no_longer_takes_pages_down(tmp_path):
    """The report: a counsellor's leave from 0002-01-01 (stored before the
    checks) gave 500 on the slot finder, the week, booking and, after the
    panel cache, on / for every staff member. The migration repairs it."""
    from app.counselling import services
    from tests.counselling_helpers import counsellor_every_day, days_ahead, local
    app = make_test_app(tmp_path)
    with app_db(app):
        person = counsellor_every_day(username="leave_counsellor")
        services.add_exception(person, dt.date.today(), dt.date.today(), "leave")
        code = make_member().code
        coordinator = make_user("coordinator", username="coord_edges")
    con = _as_before_the_calendar_checks(tmp_path / "kituo.db", ["availability_exception"], [48])
    con.execute("UPDATE availability_exception SET starts_at='0001-12-31 21:00:00'")
    con.commit()
    con.close()
    app = make_test_app(tmp_path)
    client = app.test_client()
    assert client.post("/login", data={"username": coordinator.username,
                                       "password": PASSWORD}).status_code == 303
    for url in ["/", "/counselling/slots", f"/counselling/counsellors/{person.id}/week",
                f"/counselling/availability?counsellor={person.id}"]:
        assert client.get(url).status_code == 200, url
    with app_db(app):
        start = to_local(local(days_ahead(3), 10)).replace(tzinfo=None).isoformat(timespec="minutes")
        repaired = AuditEvent.select().where(AuditEvent.action == "data.repaired").count()
    assert repaired == 1
    response = client.post("/counselling/bookings/new", data={
        "member_code": code, "counsellor_id": person.id, "starts_at": start})
    assert response.status_code in (303, 409), response.status_code


def test_an_imported_date_joined_before_2000_is_a_problem_not_a_crash(app):
    from app.members.imports import Checker
    with app_db(app):
        data, problems = Checker().check({"preferred_name": "Akinyi",
                                          "date_joined": "01/01/0002"})
    assert [field for field, _message in problems] == ["date_joined"]

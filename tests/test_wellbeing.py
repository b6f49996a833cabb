"""The WHO-5 wellbeing check: consent first, the member's own trend,
counsellors, withdrawal hiding scores everywhere but the member's export,
and the cohort figures (hand-counted) with small numbers hidden."""
import datetime as dt

import pytest
from bs4 import BeautifulSoup

from app.members import services as members
from app.members.models import Member
from app.registry import registry
from app.reports import engine, periods
from app.wellbeing import services
from app.wellbeing.models import WellbeingCheck
from tests.factories import app_db, make_user
from tests.reports_helpers import booking, member

D = dt.date
ALL_FOUR = {q: 4 for q in services.QUESTIONS}


def answers(level):
    return {q: level for q in services.QUESTIONS}


@pytest.fixture
def halima(app):
    """A member with a login, active."""
    with app_db(app):
        user = make_user("member", username="halima")
        person = member(D(2025, 1, 1), status="active")
        Member.update(user=user.id).where(Member.id == person.id).execute()
        return Member.get_by_id(person.id)


def _login(client, username="halima"):
    from tests.factories import PASSWORD
    assert client.post("/login", data={"username": username, "password": PASSWORD}
                       ).status_code == 303


def test_scores_follow_the_who5_rule(conn):
    assert services.score_of(answers(5)) == 100
    assert services.score_of(answers(0)) == 0
    assert services.score_of({"cheerful": 3, "calm": 2, "active": 4, "rested": 1,
                              "interested": 0}) == 40


def test_the_member_agrees_answers_and_sees_their_trend(app, client, halima):
    _login(client)
    page = client.get("/me/wellbeing").get_data(as_text=True)
    assert "I agree that I may answer the wellbeing check" in page
    refused = client.post("/me/wellbeing", data={q: "4" for q in services.QUESTIONS})
    assert refused.status_code == 422                    # no consent yet: nothing kept
    assert client.post("/me/wellbeing/agree").status_code == 303
    missing = client.post("/me/wellbeing", data={"cheerful": "4"})
    assert missing.status_code == 422
    assert client.post("/me/wellbeing", data={q: "4" for q in services.QUESTIONS}
                       ).status_code == 303
    twice = client.post("/me/wellbeing", data={q: "3" for q in services.QUESTIONS})
    assert twice.status_code == 422 and "already filled it in today" in twice.get_data(
        as_text=True)
    with app_db(app):
        assert [c.score for c in WellbeingCheck.select()] == [80]
        WellbeingCheck.update(taken_on=D(2025, 1, 5)).execute()
        services.record(Member.get_by_id(halima.id), answers(5), "sw", day=D(2025, 4, 10))
    page = BeautifulSoup(client.get("/me/wellbeing").data, "html.parser")
    assert page.select_one("img")["src"].startswith("data:image/svg+xml;base64,")
    assert [li.get_text() for li in page.select("ul.wellbeing-scores li")] == [
        "10 Apr 2025: 100 of 100", "5 Jan 2025: 80 of 100"]


def test_offered_at_induction_and_every_three_months(conn):
    person = member(D(2025, 1, 1), status="inducting")
    assert services.due(person, D(2025, 1, 2))
    members.record_consent(person, "wellbeing", True, "self", "sw")
    services.record(person, ALL_FOUR, "sw", day=D(2025, 1, 2))
    assert not services.due(person, D(2025, 3, 1))
    assert services.due(person, D(2025, 4, 3))
    members.record_consent(person, "wellbeing", False, "verbal", "sw")
    assert not services.due(person, D(2025, 9, 1))       # said no: not offered again


def test_counsellors_see_scores_only_while_consent_stands(app, client, login_as):
    with app_db(app):
        person = member(D(2025, 1, 1), status="active")
        members.record_consent(person, "wellbeing", True, "self", "sw")
        services.record(person, ALL_FOUR, "sw", day=D(2025, 2, 1))
    counsellor = login_as("counsellor")
    url = f"/wellbeing/members/{person.id}"
    assert client.get(url).status_code == 404            # not one of their members
    with app_db(app):
        booking(person, counsellor, D(2025, 2, 3), "attended")
    page = client.get(url).get_data(as_text=True)
    assert ">80<" in page
    with app_db(app):
        members.record_consent(Member.get_by_id(person.id), "wellbeing", False, "verbal", "sw")
    page = client.get(url).get_data(as_text=True)
    assert ">80<" not in page and "withdrew" in page
    with app_db(app):                                      # the member's own export keeps them
        assert services.export_rows(Member.get_by_id(person.id))[0]["score"] == 80


@pytest.mark.parametrize("role", ["coordinator", "mentor", "admin", "finance"])
def test_other_roles_do_not_see_scores(client, login_as, halima, role):
    login_as(role)
    assert client.get(f"/wellbeing/members/{halima.id}").status_code == 403


def _figure(key, period_key, by=()):
    return engine.compute(registry().metric(key), periods.parse(period_key), by=by)


def test_cohort_change_counted_by_hand_and_withdrawal_hides_it(conn):
    """Six members: first checks in Jan 2025 (scores 40 or 60), again in
    April (80). One of them also answers in May (100). One more member
    answers only in April (a first check: not followed)."""
    people = []
    for i in range(6):
        person = member(D(2024, 12, 1))
        members.record_consent(person, "wellbeing", True, "self", "sw")
        services.record(person, answers(2 + (i % 2)), "sw", day=D(2025, 1, 10))
        services.record(person, answers(4), "sw", day=D(2025, 4, 10))
        people.append(person)
    services.record(people[0], answers(5), "sw", day=D(2025, 5, 10))
    newcomer = member(D(2025, 3, 1))
    members.record_consent(newcomer, "wellbeing", True, "self", "sw")
    services.record(newcomer, answers(1), "sw", day=D(2025, 4, 20))
    # Q2: followed = 6; latest in Q2 minus first: person 0: 100-40 = 60,
    # persons 2 and 4: 80-40 = 40 each, persons 1, 3 and 5: 80-60 = 20 each: 200.
    assert _figure("wellbeing.members_followed", "2025-Q2") == 6
    assert _figure("wellbeing.change_total", "2025-Q2") == 200
    assert _figure("wellbeing.members_checked", "2025-Q2") == 7
    assert _figure("wellbeing.members_followed", "2025-Q1") == 0
    members.record_consent(people[1], "wellbeing", False, "verbal", "sw")
    assert _figure("wellbeing.members_followed", "2025-Q2") == 5
    assert _figure("wellbeing.change_total", "2025-Q2") == 180   # person 1's 20 gone


def test_the_report_shows_the_average_change_only_for_five_or_more(app, client, login_as):
    with app_db(app):
        people = []
        for i in range(5):
            person = member(D(2024, 12, 1))
            members.record_consent(person, "wellbeing", True, "self", "sw")
            services.record(person, answers(2), "sw", day=D(2025, 1, 10))
            services.record(person, answers(3), "sw", day=D(2025, 4, 10))
            people.append(person)
    login_as("coordinator")
    app.config["REPORTS_INLINE_SECONDS"] = 120

    def shown():
        page = BeautifulSoup(client.get("/reports/?period=2025-Q2").data, "html.parser")
        card = next(c for c in page.select(".indicator-card")
                    if "wellbeing" in c.header.get_text())
        return card.select_one(".indicator-value strong").get_text()

    assert shown() == "+20.0"
    with app_db(app):
        members.record_consent(Member.get_by_id(people[0].id), "wellbeing", False, "verbal", "sw")
    assert shown() == "<5"

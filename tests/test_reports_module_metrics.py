"""Counselling, mentorship and safeguarding metrics against a count done
by hand on a small known dataset (and people counted once, events each)."""
import datetime as dt

import pytest

from app.registry import EVENTS, PEOPLE, registry
from app.reports import engine, periods
from tests.factories import make_user
from tests.reports_helpers import (
    booking, concern, goal, group_session, member, pairing, session_log)

D = dt.date


def value(key, period, filters=None, by=()):
    return engine.compute(registry().metric(key), periods.parse(period), filters, by)


@pytest.fixture
def counselling(conn):
    """March 2025. A (F): attended 3 Mar, attended 10 Mar, no-show 17 Mar.
    B (M): attended 4 Mar, cancelled 11 Mar, booked (past, unmarked) 31 Mar 23:00 (still
    March in Nairobi). C (F): attended 1 Apr 01:00 (April in Nairobi, March in UTC).
    Groups: 5 Mar with A (came) and B (did not); 12 Mar cancelled with A;
    20 Mar with A (came) and C (came)."""
    counsellor = make_user("counsellor")
    a, b = member(D(2025, 1, 1)), member(D(2025, 1, 1), gender="male")
    c = member(D(2025, 1, 1))
    booking(a, counsellor, D(2025, 3, 3), "attended")
    booking(a, counsellor, D(2025, 3, 10), "attended")
    booking(a, counsellor, D(2025, 3, 17), "no_show")
    booking(b, counsellor, D(2025, 3, 4), "attended")
    booking(b, counsellor, D(2025, 3, 11), "cancelled_member")
    booking(b, counsellor, D(2025, 3, 31), "booked", hour=23)
    booking(c, counsellor, D(2025, 4, 1), "attended", hour=1)
    group_session(D(2025, 3, 5), seats=[(a, True), (b, False)])
    group_session(D(2025, 3, 12), cancelled=True, seats=[(a, None)])
    group_session(D(2025, 3, 20), seats=[(a, True), (c, True)])
    return {"a": a, "b": b, "c": c}


def test_counselling_counted_by_hand(counselling):
    assert value("counselling.sessions_held", "2025-03") == 5       # A x3, B x2 (not cancelled)
    assert value("counselling.sessions_attended", "2025-03") == 3   # A x2, B x1
    assert value("counselling.sessions_attended", "2025-04") == 1   # C, Nairobi time
    assert value("counselling.group_sessions", "2025-03") == 2      # not the cancelled one
    assert value("counselling.group_attendances", "2025-03") == 3   # A twice, C once
    assert value("counselling.people_reached", "2025-03") == 3      # A, B, C
    assert value("counselling.people_reached", "2025-03", {"gender": "female"}) == 2
    assert value("counselling.sessions_attended", "2025-03", by=("gender",)) == {
        ("female",): 2, ("male",): 1}


def test_counselling_people_and_events(counselling):
    metrics = {m.key: m for m in registry().metrics}
    assert metrics["counselling.people_reached"].counts == PEOPLE
    assert metrics["counselling.sessions_attended"].counts == EVENTS
    # Women in March: A came to 2 sessions and 2 groups, C to 1 group
    # (and to a session in April): 2 people, 2 sessions, 3 group places.
    women = {"gender": "female"}
    assert value("counselling.people_reached", "2025-03", women) == 2
    assert value("counselling.sessions_attended", "2025-03", women) == 2
    assert value("counselling.group_attendances", "2025-03", women) == 3


def test_counselling_programme_breakdown(counselling):
    # In March the programme holds A, B (held or booked sessions, seats) and C (a seat).
    assert value("counselling.sessions_attended", "2025-03", by=("programme",)) == {
        ("counselling",): 3}
    assert value("counselling.people_reached", "2025-03", {"programme": "counselling"}) == 3


@pytest.fixture
def mentoring(conn):
    """Mentor M. A: pairing 1 Jan - 15 Feb 2025 (ended), then pairing with
    N from 1 Mar (active). B (M): pairing from 10 Mar 2025 (active).
    C: proposed only. Logs: A 5 Jan, 20 Jan, 3 Mar; B 12 Mar, 30 Mar.
    Goals: A achieved 20 Jan (noted twice), B achieved 30 Mar; one open."""
    m, n = make_user("mentor"), make_user("mentor")
    a, b = member(D(2024, 6, 1)), member(D(2024, 6, 1), gender="male")
    c = member(D(2024, 6, 1))
    first = pairing(a, m, D(2025, 1, 1), D(2025, 2, 15), status="ended")
    second = pairing(a, n, D(2025, 3, 1))
    third = pairing(b, m, D(2025, 3, 10))
    pairing(c, m, None, status="proposed")
    for pair, day in ((first, D(2025, 1, 5)), (first, D(2025, 1, 20)), (second, D(2025, 3, 3)),
                      (third, D(2025, 3, 12)), (third, D(2025, 3, 30))):
        session_log(pair, day)
    goal(first, D(2025, 1, 20), notes=2)
    goal(third, D(2025, 3, 30))
    goal(second)
    return {"a": a, "b": b}


def test_mentorship_counted_by_hand(mentoring):
    assert value("mentorship.active_pairings", "2025-Q1") == 3      # A twice, B
    assert value("mentorship.people_mentored", "2025-Q1") == 2      # A, B
    assert value("mentorship.active_pairings", "2025-02") == 1      # A's first, to 15 Feb
    assert value("mentorship.active_pairings", "2025-03") == 2
    assert value("mentorship.active_pairings", "2024") == 0
    assert value("mentorship.sessions_logged", "2025-Q1") == 5
    assert value("mentorship.sessions_logged", "2025-01") == 2
    assert value("mentorship.goals_achieved", "2025-Q1") == 2       # each goal once
    assert value("mentorship.goals_achieved", "2025-02") == 0
    assert value("mentorship.sessions_logged", "2025-Q1", by=("gender",)) == {
        ("female",): 3, ("male",): 2}
    assert value("mentorship.people_mentored", "2025-Q1", {"programme": "mentorship"}) == 2


def test_safeguarding_counts_per_category_only(conn):
    person = member(D(2024, 1, 1))
    for day in (D(2025, 1, 3), D(2025, 2, 3), D(2025, 4, 3)):
        concern(person, "housing_crisis", day)
    concern(person, "self_harm", D(2025, 3, 31))
    assert value("safeguarding.housing_crisis", "2025-Q1") == 2
    assert value("safeguarding.self_harm", "2025-Q1") == 1
    assert value("safeguarding.other", "2025-Q1") == 0
    safeguarding = [m for m in registry().metrics if m.key.startswith("safeguarding.")]
    assert len(safeguarding) == 7
    assert all(m.breakdowns == () for m in safeguarding)   # never split by person

"""Members' metrics against a count done by hand, and the scope's
filters, breakdowns and people-versus-events counting."""
import datetime as dt

import pytest

from app.members.models import MemberChange
from app.registry import EVENTS, PEOPLE, Metric, registry
from app.reports import engine, periods
from app.reports.scope import ScopeError
from tests.reports_helpers import member, status_change

D = dt.date
Q1, Q2 = "2025-Q1", "2025-Q2"


@pytest.fixture
def people(conn):
    """A: F Kisumu partner, joined 10 Jan 2025, active from 15 Feb.
    B: F Nairobi self, joined 1 Feb, active from 10 Apr.
    C: M Kisumu, joined 2 Apr, still referred.
    D: F Kisumu government, joined 31 Dec 2024, active 5 Jan, exited 20 Mar.
    E: undisclosed, no county, joined 31 Mar (the last day of Q1), born 2001."""
    a = member(D(2025, 1, 10), source="partner_ngo")
    b = member(D(2025, 2, 1), county="Nairobi", source="self")
    c = member(D(2025, 4, 2), gender="male")
    d = member(D(2024, 12, 31), source="government", age_band="25_34")
    e = member(D(2025, 3, 31), gender="undisclosed", county="", birth_year=2001)
    status_change(a, "referred", "inducting", D(2025, 1, 20))
    status_change(a, "inducting", "active", D(2025, 2, 15))
    status_change(b, "inducting", "active", D(2025, 4, 10))
    status_change(d, "inducting", "active", D(2025, 1, 5))
    status_change(d, "active", "exited", D(2025, 3, 20))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def value(key, period, filters=None, by=()):
    return engine.compute(registry().metric(key), periods.parse(period), filters, by)


def test_referred_counted_by_hand(people):
    assert value("members.referred", Q1) == 3            # A, B, E (D joined in 2024)
    assert value("members.referred", Q2) == 1            # C
    assert value("members.referred", "2024-12") == 1     # D
    assert value("members.referred", "2025") == 4


def test_referred_by_partners_counted_by_hand(people):
    assert value("members.referred_by_partners", Q1) == 1      # A (B: self)
    assert value("members.referred_by_partners", "2024") == 1  # D: government


def test_inducted_counted_by_hand(people):
    assert value("members.inducted", Q1) == 2            # A (Feb), D (Jan)
    assert value("members.inducted", Q2) == 1            # B
    assert value("members.inducted", "2025-03") == 0


def test_active_counted_by_hand(people):
    assert value("members.active", Q1) == 2              # A, D (exited in March)
    assert value("members.active", Q2) == 2              # A, B
    assert value("members.active", "2025-01") == 1       # D only (A from 15 Feb)
    assert value("members.active", "2024") == 0


def test_filters_and_breakdowns(people):
    assert value("members.referred", Q1, {"gender": "female"}) == 2
    assert value("members.referred", Q1, {"gender": "female", "county": "Nairobi"}) == 1
    assert value("members.referred", Q1, by=("gender",)) == {("female",): 2,
                                                              ("undisclosed",): 1}
    assert value("members.referred", Q1, by=("gender", "county")) == {
        ("female", "Kisumu"): 1, ("female", "Nairobi"): 1, ("undisclosed", ""): 1}
    assert value("members.referred", "2025", {"county": ""}) == 1


def test_age_band_recorded_or_from_year_of_birth(people):
    # E was born in 2001: 24 at the end of 2025; D's band is recorded.
    assert value("members.referred", "2025", by=("age_band",)) == {("",): 3, ("18_24",): 1}
    assert value("members.inducted", Q1, by=("age_band",)) == {("",): 1, ("25_34",): 1}
    assert value("members.referred", "2025", {"age_band": "18_24"}) == 1


def test_referral_source_breakdown_uses_the_source_ids(people):
    from app.members.models import ReferralSource
    ids = {s.key: s.id for s in ReferralSource.select()}
    # 2025: A partner NGO, B self, C and E none recorded.
    assert value("members.referred", "2025", by=("referral_source",)) == {
        (ids["partner_ngo"],): 1, (ids["self"],): 1, (None,): 2}
    assert value("members.referred", "2025", {"referral_source": None}) == 2
    assert value("members.referred", "2025", {"referral_source": ids["self"]}) == 1


def _status_changes(counts):
    def compute(period, scope):
        query = MemberChange.select().where(period.contains(MemberChange.at))
        return scope.count(query, member=MemberChange.member)
    return Metric("test.changes", "changes", "changes", counts, compute, ("gender",))


def test_people_count_each_member_once_events_every_row(people):
    period = periods.parse(Q1)
    # Q1 status changes: A twice (Jan, Feb), D twice (Jan, Mar).
    assert engine.compute(_status_changes(EVENTS), period) == 4
    assert engine.compute(_status_changes(PEOPLE), period) == 2
    assert engine.compute(_status_changes(EVENTS), period, by=("gender",)) == {("female",): 4}
    assert engine.compute(_status_changes(PEOPLE), period, by=("gender",)) == {("female",): 2}


def test_a_metric_without_members_cannot_be_split(conn):
    def compute(period, scope):
        return scope.count(MemberChange.select())
    metric = Metric("test.rows", "rows", "rows", EVENTS, compute)
    assert engine.compute(metric, periods.parse(Q1)) == 0
    with pytest.raises(ScopeError):
        engine.compute(metric, periods.parse(Q1), by=("gender",))


def test_metric_declarations_are_checked():
    with pytest.raises(ValueError):
        Metric("x.y", "y", "y", "rows", lambda p, s: 0)
    with pytest.raises(ValueError):
        Metric("x.y", "y", "y", PEOPLE, lambda p, s: 0, ("shoe_size",))


def test_every_registered_metric_runs_on_an_empty_database(conn):
    period = periods.parse(Q1)
    for metric in registry().metrics:
        assert engine.compute(metric, period) == 0
        for dimension in metric.breakdowns:
            assert engine.compute(metric, period, by=(dimension,)) == {}


def test_cohort_is_the_year_joined(people):
    # Referred in 2025: A, B, E (2025), C (2025): 4; the 2024 member is D.
    assert value("members.referred", "2025", by=("cohort",)) == {("2025",): 4}
    assert value("members.active", "2025-Q1", by=("cohort",)) == {("2025",): 1, ("2024",): 1}
    assert value("members.referred", "2031", {"cohort": "earlier"}) == 0

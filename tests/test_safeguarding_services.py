"""Safeguarding rules without HTTP: raising, who sees which concern,
handling (acknowledge, statuses, outcome, review dates), audited reads, the
urgent count, and counts by category with small numbers suppressed."""
import datetime as dt
import json

import pytest

from app.audit import AuditEvent
from app.members import services as members
from app.safeguarding import services
from app.safeguarding.models import Concern, ConcernAction
from tests.factories import make_user
from tests.factories import make_member

SECRET = "Her former recruiter called from a new number"


def _raise(member=None, raiser=None, urgency="urgent", category="trafficker_contact"):
    return services.raise_concern(member or make_member(), raiser or make_user("mentor"),
                                  category, urgency, SECRET, "Gave her the centre's number")


def test_raise_records_the_concern_and_the_action_log(conn):
    concern = _raise()
    assert (concern.status, concern.urgency) == ("open", "urgent")
    assert [a.kind for a in ConcernAction.select()] == ["raised"]


@pytest.mark.parametrize("change, field", [
    ({"category": "gossip"}, "category"), ({"urgency": "whenever"}, "urgency"),
    ({"what_happened": "  "}, "what_happened"), ({"member": None}, "member_code")])
def test_invalid_concern_is_refused_and_nothing_written(conn, change, field):
    values = dict(member=make_member(), raised_by=make_user("mentor"), category="self_harm",
                  urgency="soon", what_happened="Something")
    values.update(change)
    with pytest.raises(services.SafeguardingError) as error:
        services.raise_concern(**values)
    assert error.value.field == field
    assert Concern.select().count() == 0


def test_leads_see_all_raisers_see_their_own_others_nothing(conn):
    mentor, other_mentor = make_user("mentor"), make_user("mentor")
    mine, theirs = _raise(raiser=mentor), _raise(raiser=other_mentor)
    lead = make_user("safeguarding_lead")
    assert {c.id for c in services.visible_concerns(lead)} == {mine.id, theirs.id}
    assert [c.id for c in services.visible_concerns(mentor)] == [mine.id]
    assert services.visible_concerns(mentor).where(Concern.id == theirs.id).first() is None
    for role in ("coordinator", "admin", "counsellor"):
        assert services.visible_concerns(make_user(role)).count() == 0
    assert services.visible_concerns(make_user("member")).count() == 0


def test_every_read_is_audited_without_personal_data(conn):
    concern = _raise()
    lead = make_user("safeguarding_lead")
    services.record_read(concern, lead)
    services.list_concerns(lead)
    events = list(AuditEvent.select().where(AuditEvent.action.startswith("concern.")))
    assert {e.action for e in events} >= {"concern.raised", "concern.viewed", "concern.listed"}
    member = concern.member
    for event in events:
        for private in (SECRET, member.code, member.preferred_name, member.legal_name):
            assert private not in event.summary


def test_acknowledge_clears_the_urgent_count_for_every_lead(conn):
    concern = _raise()
    _raise(urgency="soon")
    assert services.urgent_waiting_count() == 1
    lead = make_user("safeguarding_lead")
    services.acknowledge(concern, lead)
    concern = Concern.get_by_id(concern.id)
    assert concern.status == "in_progress" and concern.acknowledged_by_id == lead.id
    assert services.urgent_waiting_count() == 0


def test_status_flow_and_closing_needs_an_outcome(conn):
    concern, lead = _raise(), make_user("safeguarding_lead")
    with pytest.raises(services.SafeguardingError) as error:
        services.set_status(concern, lead, "closed", "")
    assert error.value.field == "outcome"
    services.set_status(concern, lead, "in_progress")
    with pytest.raises(services.SafeguardingError):
        services.set_status(concern, lead, "open")
    services.set_status(concern, lead, "closed", "Moved to a safe house with a partner")
    concern = Concern.get_by_id(concern.id)
    assert concern.status == "closed" and concern.closed_at and concern.acknowledged_at
    assert [a.kind for a in concern.actions.order_by(ConcernAction.id)] == [
        "raised", "status", "closed"]
    with pytest.raises(services.SafeguardingError):
        services.set_status(concern, lead, "in_progress")


def _closed(lead):
    concern = _raise()
    services.acknowledge(concern, lead)
    return services.set_status(Concern.get_by_id(concern.id), lead, "closed", "Safe at her aunt's")


def test_a_lead_reopens_a_closed_concern_with_a_reason(conn):
    lead, other_lead = make_user("safeguarding_lead"), make_user("safeguarding_lead")
    concern = _closed(lead)
    assert concern.id not in [c.id for c in services.list_concerns(lead, "active")["concerns"]]
    with pytest.raises(services.SafeguardingError) as error:
        services.reopen(concern, other_lead, "   ")
    assert error.value.field == "reason"
    assert Concern.get_by_id(concern.id).status == "closed"

    services.reopen(concern, other_lead, "The recruiter called her again")

    concern = Concern.get_by_id(concern.id)
    assert (concern.status, concern.outcome, concern.closed_at) == ("in_progress", "", None)
    assert concern.acknowledged_by_id == lead.id          # still taken: no new urgent alarm
    assert services.urgent_waiting_count() == 0
    last = concern.actions.order_by(ConcernAction.id.desc()).first()
    assert (last.kind, last.actor_id, last.text) == (
        "reopened", other_lead.id, "The recruiter called her again")
    assert last.at is not None
    # The earlier outcome stays in the action log.
    assert [(a.kind, a.text) for a in concern.actions.order_by(ConcernAction.id)][-2] == (
        "closed", "Safe at her aunt's")
    event = AuditEvent.get(AuditEvent.action == "concern.reopened")
    assert (event.object_id, event.actor) == (str(concern.id), other_lead.id)
    assert "recruiter" not in event.summary
    # Back on the leads' lists and figures.
    assert concern.id in [c.id for c in services.list_concerns(lead, "active")["concerns"]]
    assert concern.id in [c.id for c in services.list_concerns(lead, "in_progress")["concerns"]]
    assert services.summary()["in_progress"] == 1
    # And it can be closed again, with a new outcome.
    services.set_status(concern, lead, "closed", "Moved to a safe house")
    assert Concern.get_by_id(concern.id).outcome == "Moved to a safe house"


def test_only_a_lead_reopens_and_only_a_closed_concern(conn):
    lead = make_user("safeguarding_lead")
    concern = _closed(lead)
    for role in ("mentor", "coordinator", "admin", "counsellor"):
        with pytest.raises(services.SafeguardingError):
            services.reopen(concern, make_user(role), "I want to see it again")
    with pytest.raises(services.SafeguardingError):       # the person who raised it
        services.reopen(concern, concern.raised_by, "I raised it")
    open_concern = _raise()
    with pytest.raises(services.SafeguardingError):
        services.reopen(open_concern, lead, "It is not closed")
    assert Concern.get_by_id(concern.id).status == "closed"
    assert not ConcernAction.select().where(ConcernAction.kind == "reopened").exists()


def test_review_dates_that_pass_are_flagged(conn):
    concern, lead = _raise(), make_user("safeguarding_lead")
    services.set_review(concern, lead, services.today())
    assert not services.review_passed(concern)
    assert services.review_passed(concern, on=services.today() + dt.timedelta(days=1))
    with pytest.raises(services.SafeguardingError):
        services.set_review(concern, lead, services.today() - dt.timedelta(days=1))
    Concern.update(review_on=services.today() - dt.timedelta(days=2)).execute()
    assert services.summary()["review_passed"] == 1
    services.set_status(Concern.get_by_id(concern.id), lead, "closed", "Done")
    assert services.summary()["review_passed"] == 0


def test_counts_by_category_suppress_small_numbers(conn):
    member, raiser = make_member(), make_user("mentor")
    for _ in range(5):
        _raise(member, raiser, category="housing_crisis", urgency="routine")
    for _ in range(2):
        _raise(member, raiser, category="self_harm", urgency="routine")
    counts = services.counts_by_category()
    assert counts["housing_crisis"] == 5
    assert counts["self_harm"] == "<5"
    assert counts["child_at_risk"] == 0
    assert set(counts) == set(services.CATEGORIES)
    future = services.today() + dt.timedelta(days=1)
    assert services.counts_by_category(since=future)["housing_crisis"] == 0


def test_concerns_never_appear_in_a_members_export_or_search(conn):
    concern = _raise()
    member = concern.member
    exported = json.dumps(members.export_data(member), ensure_ascii=False, default=str)
    assert SECRET not in exported and "concern" not in exported.lower()
    coordinator = make_user("coordinator")
    query, _identity = members.search(coordinator, "recruiter", "", "")
    assert list(query) == []

"""Enrolment with places and an automatically promoting waiting list."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.db import db
from app.education import enrolment, timetable
from app.education.models import ClassSession, Enrolment
from app.members.models import Member
from app.rules import RuleError
from tests.education_factories import make_class, make_member, next_weekday


def _statuses(klass):
    return [e.status for e in Enrolment.select().where(Enrolment.klass == klass)
            .order_by(Enrolment.id)]


def test_places_then_the_waiting_list_then_promotion_first_come(conn):
    klass = make_class(first=next_weekday(0), capacity=2)
    people = [make_member(preferred_name=f"P{i}") for i in range(4)]
    rows = [enrolment.enrol(klass, p) for p in people]
    assert _statuses(klass) == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    assert enrolment.waiting_position(rows[3]) == 2
    promoted = enrolment.withdraw(rows[0])
    assert [p.id for p in promoted] == [rows[2].id]
    assert _statuses(klass) == ["withdrawn", "enrolled", "enrolled", "waitlisted"]
    assert Enrolment.get_by_id(rows[2].id).promoted_at is not None
    assert enrolment.waiting_position(Enrolment.get_by_id(rows[3].id)) == 1


def test_leaving_the_waiting_list_promotes_nobody(conn):
    klass = make_class(first=next_weekday(0), capacity=1)
    first, second, third = (enrolment.enrol(klass, make_member()) for _ in range(3))
    assert enrolment.withdraw(second) == []
    assert _statuses(klass) == ["enrolled", "withdrawn", "waitlisted"]


def test_more_places_move_people_up(conn):
    klass = make_class(first=next_weekday(0), capacity=1)
    for _ in range(3):
        enrolment.enrol(klass, make_member())
    timetable.update_class(klass, "", klass.place, 3, timetable.trainer_ids_of(klass.id), True)
    assert _statuses(klass) == ["enrolled", "enrolled", "enrolled"]


def test_only_active_members_enrol(conn):
    from app.members import services as members
    klass = make_class(first=next_weekday(0))
    alumna = make_member()
    members.change_status(alumna, "alumni")
    for member in (make_member(status="referred"), make_member(status="inducting"),
                   make_member(status="exited"), Member.get_by_id(alumna.id)):
        with pytest.raises(RuleError) as refused:
            enrolment.enrol(klass, member)
        assert refused.value.field == "member"
    assert Enrolment.select().count() == 0


def test_no_second_enrolment_but_rejoining_after_leaving(conn):
    klass = make_class(first=next_weekday(0))
    member = make_member()
    row = enrolment.enrol(klass, member)
    with pytest.raises(RuleError):
        enrolment.enrol(klass, member)
    enrolment.withdraw(row)
    again = enrolment.enrol(klass, member, by_member=True)
    assert again.id == row.id and again.status == "enrolled" and again.by_member


def test_a_class_closed_to_requests_refuses_members_asking(conn):
    klass = make_class(first=next_weekday(0), open_to_requests=False)
    with pytest.raises(RuleError):
        enrolment.enrol(klass, make_member(), by_member=True)
    assert enrolment.enrol(klass, make_member()).status == "enrolled"


def test_an_ended_class_takes_nobody(conn):
    klass = make_class(first=dt.date(2025, 1, 6), weeks=2)
    with pytest.raises(RuleError):
        enrolment.enrol(klass, make_member())


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.integers(1, 4),
       actions=st.lists(st.tuples(st.sampled_from(["join", "leave"]), st.integers(0, 7)),
                        max_size=25))
def test_places_never_exceed_capacity_and_nobody_waits_while_a_place_is_free(
        app, capacity, actions):
    with app.app_context(), app.test_request_context(), db.connection_context():
        with db.atomic() as transaction:
            klass = make_class(first=next_weekday(0), capacity=capacity)
            people = [make_member() for _ in range(8)]
            for action, who in actions:
                row = Enrolment.get_or_none((Enrolment.klass == klass)
                                            & (Enrolment.member == people[who]))
                try:
                    if action == "join":
                        enrolment.enrol(klass, people[who])
                    elif row is not None:
                        enrolment.withdraw(row)
                except RuleError:
                    pass
                statuses = _statuses(klass)
                placed, waiting = statuses.count("enrolled"), statuses.count("waitlisted")
                assert placed <= capacity
                assert waiting == 0 or placed == capacity
            transaction.rollback()


def test_the_class_roster_lists_places_then_waiting_then_leavers_with_code_and_name(conn):
    """enrolments_of_class (the class page's roster, a prepared query):
    place holders first, then the waiting list, then those who left, each
    in the order they came, with the member's code and preferred name."""
    klass = make_class(first=next_weekday(0), capacity=2)
    people = [make_member(preferred_name=f"P{i}") for i in range(4)]
    rows = [enrolment.enrol(klass, p) for p in people]
    enrolment.withdraw(rows[0])          # P2 moves up from the waiting list
    roster = enrolment.enrolments_of_class(klass.id)
    assert [(e.member.preferred_name, e.status) for e in roster] == [
        ("P1", "enrolled"), ("P2", "enrolled"), ("P3", "waitlisted"), ("P0", "withdrawn")]
    assert [(e.id, e.klass_id, e.member_id, e.member.code) for e in roster] == [
        (r.id, klass.id, p.id, p.code) for r, p in
        zip([rows[1], rows[2], rows[3], rows[0]], [people[1], people[2], people[3], people[0]])]
    assert enrolment.enrolments_of_class(klass.id + 1000) == []


def test_the_class_page_lists_every_session_in_time_order(conn):
    klass = make_class(first=next_weekday(0), weeks=2, weekdays=(0, 2))
    sessions = timetable.sessions_of(klass.id)
    stored = list(ClassSession.select().where(ClassSession.klass == klass.id)
                  .order_by(ClassSession.starts_at))
    assert [(s.id, s.klass_id, s.starts_at, s.ends_at, s.place, s.cancelled_at) for s in sessions] \
        == [(s.id, s.klass_id, s.starts_at, s.ends_at, s.place, s.cancelled_at) for s in stored]
    assert len(sessions) == 4


def test_a_class_she_waits_for_shows_once_tentative_and_hers_every_session(app, conn):
    """The member's schedule (/me and her calendar feed) listed every session
    of a class she only waits for, each as a plain one-hour event: a waiting
    place read as a dozen confirmed appointments, and buried the rest of
    her schedule. Like counselling's waiting list, a class she waits for
    shows its next session only, tentative; a class she is in shows each
    session with its own end and a stable id (a moved session stays one
    event in her calendar)."""
    from icalendar import Calendar
    from app.counselling import feeds
    from app.db import utcnow
    from app.registry import registry
    from tests.factories import make_user
    login = make_user("member")
    member = make_member(user=login)
    full = make_class(first=next_weekday(0), capacity=1, weeks=4, weekdays=(1, 3))
    enrolment.enrol(full, make_member())
    enrolment.enrol(full, member)                                  # she waits
    hers = make_class(first=next_weekday(0), weeks=4, weekdays=(0, 4), place="Room B",
                      starts=dt.time(14), ends=dt.time(16))
    enrolment.enrol(hers, member)
    now = utcnow()
    items = registry().schedule_for(member, now, now + dt.timedelta(days=60))
    waiting = [i for i in items if i.tentative]
    first_waited = min(timetable.sessions_of(full.id), key=lambda s: s.starts_at)
    assert [(i.starts_at, i.detail) for i in waiting] == [
        (first_waited.starts_at, "You are on the waiting list.")]
    sessions = timetable.sessions_of(hers.id)
    taken = [i for i in items if not i.tentative]
    assert [i.uid for i in taken] == [f"class-session-{s.id}" for s in sessions]
    assert all(i.ends_at - i.starts_at == dt.timedelta(hours=2) for i in taken)
    events = Calendar.from_ical(feeds.build(login)).walk("VEVENT")
    assert len(events) == len(sessions) + 1
    assert [str(e["uid"]) for e in events if e.get("status") == "TENTATIVE"] == [
        f"class-session-{first_waited.id}@kituo"]
    assert all(e.decoded("dtend") - e.decoded("dtstart") == dt.timedelta(hours=2)
               for e in events)

"""Mentorship rules without HTTP: suggestions, pairing states and the
one-active-pairing rule (in the database too), goals, session logs and the
edit window, visibility, and the overdue check with catch-up."""
import datetime as dt

import peewee as pw
import pytest

from app.audit import AuditEvent
from app.db import db, utcnow
from app.mentorship import services
from app.mentorship.models import GoalNote, Pairing, SessionLog, TaskRun
from app.members import services as members
from tests.factories import make_user, shift_time
from tests.factories import make_member
from tests.mentorship_factories import make_mentor, make_pairing, session_input


# --- suggestions ----------------------------------------------------------------------

def test_suggestions_rank_language_then_areas_then_free_capacity(conn):
    mentee = make_member(language="sw", needs=["livelihood", "education"])
    english_only = make_mentor(areas=["livelihood", "education"], languages=["en"], capacity=5,
                               username="english")
    one_area = make_mentor(areas=["business"], languages=["sw"], capacity=5, username="onearea")
    two_areas_busy = make_mentor(areas=["livelihood", "education"], languages=["sw", "en"],
                                 capacity=2, username="twobusy")
    two_areas_free = make_mentor(areas=["education", "business"], languages=["sw"], capacity=4,
                                 username="twofree")
    make_pairing(mentor=two_areas_busy)                      # 1 of 2 places taken
    ranked = [s.mentor.user.username for s in services.suggest_mentors(mentee)]
    assert ranked == ["twofree", "twobusy", "onearea", "english"]
    top = services.suggest_mentors(mentee)[0]
    assert top.shared_language and top.matched_needs == ["livelihood", "education"]
    assert english_only.id and one_area.id


def test_suggestions_skip_full_mentors_current_mentors_and_the_mentee_themself(conn):
    user = make_user("member", "mentor", username="selfmentor")
    services.save_profile(user, ["livelihood"], ["sw"], 3, "")
    mentee = make_member()
    members.create_account(mentee)  # gives the member a login; link our mentor instead
    from app.members.models import Member
    Member.update(user=user.id).where(Member.id == mentee.id).execute()
    mentee = Member.get_by_id(mentee.id)
    full = make_mentor(capacity=1, username="full")
    make_pairing(mentor=full)
    already = make_mentor(username="already")
    make_pairing(mentor=already, member=mentee)
    free = make_mentor(username="free")
    assert [s.mentor.user.username for s in services.suggest_mentors(mentee)] == ["free"]
    assert free.id


# --- pairing states and the database rules --------------------------------------------------

def test_states_proposed_active_completed_with_dates(conn):
    pairing = make_pairing(active=False)
    assert pairing.status == "proposed" and pairing.start_date is None
    services.activate(pairing, start_date=services.today())
    assert Pairing.get_by_id(pairing.id).start_date == services.today()
    services.end(pairing, "completed", "")
    pairing = Pairing.get_by_id(pairing.id)
    assert (pairing.status, pairing.end_date) == ("completed", services.today())


def test_ending_early_needs_a_reason(conn):
    pairing = make_pairing()
    with pytest.raises(services.MentorshipError) as error:
        services.end(pairing, "ended", "  ")
    assert error.value.field == "reason"
    services.end(pairing, "ended", "Moved to Kisumu")
    assert Pairing.get_by_id(pairing.id).end_reason == "Moved to Kisumu"


def test_one_active_pairing_per_mentee_unless_overridden(conn):
    mentee = make_member()
    make_pairing(member=mentee)
    second = make_pairing(member=mentee, active=False)
    with pytest.raises(services.MentorshipError) as error:
        services.activate(second)
    assert error.value.field == "override"
    services.activate(second, override=True)
    assert Pairing.get_by_id(second.id).override is True
    assert Pairing.select().where((Pairing.mentee == mentee.id)
                                  & (Pairing.status == "active")).count() == 2


def test_the_database_refuses_a_second_active_pairing_without_override(conn):
    mentee = make_member()
    make_pairing(member=mentee)
    other = make_mentor(username="other")
    with pytest.raises(pw.IntegrityError):
        with db.atomic():
            Pairing.create(mentee=mentee.id, mentor=other.id, status="active")


def test_the_database_refuses_two_open_pairings_of_the_same_two_people(conn):
    mentor, mentee = make_mentor(), make_member()
    make_pairing(mentor=mentor, member=mentee, active=False)
    with pytest.raises(services.MentorshipError):
        services.propose(mentee, mentor)
    with pytest.raises(pw.IntegrityError):
        with db.atomic():
            Pairing.create(mentee=mentee.id, mentor=mentor.id, status="proposed")


def test_proposing_to_a_full_mentor_is_refused(conn):
    mentor = make_mentor(capacity=1)
    make_pairing(mentor=mentor)
    with pytest.raises(services.MentorshipError) as error:
        services.propose(make_member(), mentor)
    assert error.value.field == "mentor"


def test_only_a_mentor_can_be_proposed(conn):
    with pytest.raises(services.MentorshipError):
        services.propose(make_member(), make_user("trainer"))


# --- goals and sessions ----------------------------------------------------------------------

def test_session_log_updates_pairing_goals_and_next_meeting(conn):
    pairing = make_pairing()
    goal = services.add_goal(pairing, "Open a savings account", "livelihood", None)
    next_meeting = utcnow().replace(microsecond=0) + dt.timedelta(days=7)
    log = services.log_session(pairing, pairing.mentor, session_input(
        next_meeting_at=next_meeting, goal_updates={goal.id: ("in_progress", "Opened M-Pesa")}))
    pairing = Pairing.get_by_id(pairing.id)
    assert (pairing.sessions_count, pairing.last_session_on) == (1, services.today())
    assert pairing.next_meeting_at == next_meeting
    note = GoalNote.get(GoalNote.session == log.id)
    assert (note.status, note.text) == ("in_progress", "Opened M-Pesa")
    assert goal.__class__.get_by_id(goal.id).status == "in_progress"


@pytest.mark.parametrize("change, field", [
    ({"held_on": None}, "held_on"),
    ({"duration_minutes": 7}, "duration_minutes"),
    ({"mode": "letter"}, "mode"),
    ({"topics": ["gossip"]}, "topics"),
    ({"next_meeting_at": dt.datetime(2000, 1, 1)}, "next_meeting_at"),
])
def test_invalid_session_is_refused_and_nothing_written(conn, change, field):
    pairing = make_pairing()
    with pytest.raises(services.MentorshipError) as error:
        services.log_session(pairing, pairing.mentor, session_input(**change))
    assert error.value.field == field
    assert SessionLog.select().count() == 0


def test_future_date_is_refused(conn):
    pairing = make_pairing()
    with pytest.raises(services.MentorshipError):
        services.log_session(pairing, pairing.mentor, session_input(
            held_on=services.today() + dt.timedelta(days=1)))


def test_only_the_pairings_mentor_logs_and_only_while_active(conn):
    pairing = make_pairing()
    with pytest.raises(services.MentorshipError):
        services.log_session(pairing, make_mentor(username="intruder"), session_input())
    services.end(pairing, "completed", "")
    with pytest.raises(services.MentorshipError):
        services.log_session(Pairing.get_by_id(pairing.id), pairing.mentor, session_input())


def test_author_edits_within_seven_days_then_it_locks_and_corrections_append(conn):
    pairing = make_pairing()
    log = services.log_session(pairing, pairing.mentor, session_input())
    with pytest.raises(services.MentorshipError):
        services.add_correction(log, pairing.mentor, "too early")
    services.edit_session(log, pairing.mentor, session_input(notes="Edited within the window"))
    shift_time(SessionLog, "created_at", -dt.timedelta(days=7, minutes=1),
               SessionLog.id == log.id)
    log = SessionLog.get_by_id(log.id)
    assert not services.is_editable(log, pairing.mentor)
    with pytest.raises(services.MentorshipError):
        services.edit_session(log, pairing.mentor, session_input(notes="Too late"))
    services.add_correction(log, pairing.mentor, "The meeting was 45 minutes, not 60.")
    log = SessionLog.get_by_id(log.id)
    assert log.notes == "Edited within the window"
    assert [c.text for c in log.corrections] == ["The meeting was 45 minutes, not 60."]


def test_only_the_author_edits(conn):
    pairing = make_pairing()
    log = services.log_session(pairing, pairing.mentor, session_input())
    coordinator = make_user("coordinator")
    assert not services.is_editable(log, coordinator)
    with pytest.raises(services.MentorshipError):
        services.edit_session(log, coordinator, session_input(notes="not mine"))


# --- who sees what -------------------------------------------------------------------------------

def test_a_mentor_sees_only_their_own_pairings_and_logs(conn):
    mine, theirs = make_pairing(), make_pairing()
    my_log = services.log_session(mine, mine.mentor, session_input())
    their_log = services.log_session(theirs, theirs.mentor, session_input())
    me = mine.mentor
    assert [p.id for p in services.visible_pairings(me)] == [mine.id]
    assert services.visible_pairings(me).where(Pairing.id == theirs.id).first() is None
    assert services.visible_sessions(me).where(SessionLog.id == their_log.id).first() is None
    assert services.visible_sessions(me).where(SessionLog.id == my_log.id).first().id == my_log.id
    coordinator = make_user("coordinator")
    assert {p.id for p in services.visible_pairings(coordinator)} == {mine.id, theirs.id}
    assert services.visible_pairings(make_user("counsellor")).count() == 0


def test_mentees_become_visible_members_for_their_mentor_only(conn):
    pairing = make_pairing()
    stranger = make_member()
    visible = {m.id for m in members.visible_members(pairing.mentor)}
    assert visible == {pairing.mentee_id}
    assert stranger.id not in visible


def test_phone_only_with_contact_consent_and_only_for_the_mentor(conn):
    pairing = make_pairing()
    mentor = pairing.mentor
    assert services.mentee_phone(pairing, mentor) is None
    members.record_consent(pairing.mentee, "contact", True, "signed", "sw")
    assert services.mentee_phone(Pairing.get_by_id(pairing.id), mentor) == "0712 345678"
    assert services.mentee_phone(pairing, make_user("coordinator")) is None
    assert AuditEvent.select().where(AuditEvent.action == "mentorship.phone_shown").count() == 1
    members.record_consent(pairing.mentee, "contact", False, "verbal", "sw")
    assert services.mentee_phone(Pairing.get_by_id(pairing.id), mentor) is None


# --- overdue ---------------------------------------------------------------------------------------

def test_overdue_counts_from_the_last_session_or_the_start(conn, app):
    days = app.config["MENTORING_OVERDUE_DAYS"]
    quiet = make_pairing(start_days_ago=days + 5)
    fresh = make_pairing(start_days_ago=days - 1)
    talked = make_pairing(start_days_ago=days + 40)
    services.log_session(talked, talked.mentor, session_input(
        held_on=services.today() - dt.timedelta(days=3)))
    result = services.flag_overdue(services.today())
    assert result["flagged"] == 1
    assert [p.id for p in services.overdue_pairings()] == [quiet.id]
    assert fresh.id and services.overdue_count() == 1
    # Logging a session clears the flag at once.
    services.log_session(quiet, quiet.mentor, session_input())
    assert services.overdue_count() == 0


def test_overdue_days_come_from_configuration(tmp_path):
    from tests.conftest import make_test_app
    app = make_test_app(tmp_path, MENTORING_OVERDUE_DAYS=5)
    with app.app_context(), app.test_request_context(), db.connection_context():
        pairing = make_pairing(start_days_ago=6)
        services.flag_overdue(services.today())
        assert Pairing.get_by_id(pairing.id).overdue_since == services.today()


def test_the_check_runs_once_a_day_and_catches_up_after_downtime(conn, app):
    from app.clock import local_midnight
    days = app.config["MENTORING_OVERDUE_DAYS"]
    # Noon in Nairobi today: an hour later is the same local day whatever
    # the time the suite runs (at 23:30 in Nairobi it would be tomorrow).
    now = local_midnight(services.today()) + dt.timedelta(hours=12)
    assert services.run_overdue_check_if_due(now) is not None          # first run ever
    assert services.run_overdue_check_if_due(now + dt.timedelta(minutes=60)) is None
    # The Pi was off for five days; a pairing went quiet meanwhile.
    pairing = make_pairing(start_days_ago=days + 2)
    later = now + dt.timedelta(days=5)
    result = services.run_overdue_check_if_due(later)
    assert result == {"flagged": 1, "cleared": 0}
    assert Pairing.get_by_id(pairing.id).overdue_since is not None
    assert TaskRun.get(TaskRun.name == services.OVERDUE_TASK).last_success_at == later


def test_a_clock_that_jumped_back_does_not_block_the_check(conn):
    now = utcnow()
    services.run_overdue_check_if_due(now + dt.timedelta(days=400))     # wrong clock
    assert services.run_overdue_check_if_due(now) is not None


def test_the_periodic_task_does_the_work_when_due(conn):
    from app.mentorship.tasks import check_overdue_pairings
    check_overdue_pairings.call_local()
    assert services.last_overdue_check() is not None
    assert check_overdue_pairings.call_local() is None                 # not due again today


# --- figures and the mentee's view ------------------------------------------------------------------

def test_dashboard_figures(conn):
    full = make_mentor(capacity=1, username="fullmentor")
    pairing = make_pairing(mentor=full)
    services.log_session(pairing, full, session_input())
    assert services.active_pairings_count() == 1
    assert services.sessions_this_month() == 1
    assert services.mentors_at_capacity() == [(full.display_name, 1, 1)]     # name, places, load
    other = make_mentor(capacity=3, username="freementor")
    for _ in range(3):
        make_pairing(mentor=other)
    assert [r.display_name for r in services.mentors_at_capacity()] == sorted(
        [full.display_name, other.display_name])


def test_mentee_view_and_schedule_show_next_meeting_on_both_sides(conn, app):
    mentor_user = make_user("mentor", "member", username="survivorleader")
    services.save_profile(mentor_user, ["leadership"], ["sw"], 3, "")
    mentor_member = make_member(preferred_name="Leader")
    from app.members.models import Member
    Member.update(user=mentor_user.id).where(Member.id == mentor_member.id).execute()
    pairing = make_pairing(mentor=mentor_user)
    goal = services.add_goal(pairing, "Finish the computer course", "education", None)
    meeting = utcnow().replace(microsecond=0) + dt.timedelta(days=3)
    services.log_session(pairing, mentor_user, session_input(next_meeting_at=meeting))
    view = services.mentee_view(pairing.mentee)
    assert view["next_meeting"] == meeting
    assert [g.id for g in view["goals"][pairing.id]] == [goal.id]
    registry = app.extensions["kituo"]
    start, end = utcnow(), utcnow() + dt.timedelta(days=30)
    mentee_items = registry.schedule_for(pairing.mentee, start, end)
    mentor_items = registry.schedule_for(Member.get_by_id(mentor_member.id), start, end)
    assert [i.starts_at for i in mentee_items] == [meeting]
    assert [i.starts_at for i in mentor_items] == [meeting]
    assert pairing.mentee.code in mentor_items[0].detail
    for item in mentee_items + mentor_items:
        assert "counsel" not in item.title.lower() and "traffick" not in item.title.lower()


def test_own_pairings_and_sessions_are_the_mentors_own_even_for_a_coordinator(conn):
    """What a mentor may log and edit: a coordinator sees every pairing but
    logs no session in another mentor's pairing."""
    from tests.mentorship_factories import make_mentor, make_pairing, session_input
    mentor, other = make_mentor(username="mentorown"), make_mentor(username="mentorother")
    coordinator = make_user("coordinator")
    mine, theirs = make_pairing(mentor=mentor), make_pairing(mentor=other)
    log = services.log_session(mine, mentor, session_input())
    assert [p.id for p in services.own_pairings(mentor)] == [mine.id]
    assert list(services.own_pairings(coordinator)) == []
    assert {p.id for p in services.visible_pairings(coordinator)} >= {mine.id, theirs.id}
    assert [s.id for s in services.own_sessions(mentor)] == [log.id]
    assert list(services.own_sessions(other)) == []

"""Goal progress recorded with a session log: changing the log within its
edit window revisits that progress (pre-filled, changed in place, marked
edited); the goal's status follows the latest entry that changed it, and
other entries are never rewritten. After the window the log is locked and
corrections are text only."""
import datetime as dt

import pytest

from app.audit import AuditEvent
from app.mentorship import services
from app.mentorship.models import Goal, GoalNote, SessionLog
from tests.factories import shift_time
from tests.mentorship_factories import make_pairing, session_input


def _goal(goal):
    return Goal.get_by_id(goal.id)


def _log_with_progress(pairing, goal, status="in_progress", text="Opened M-Pesa"):
    return services.log_session(pairing, pairing.mentor, session_input(
        goal_updates={goal.id: (status, text)}))


def _edit(log, pairing, updates):
    return services.edit_session(SessionLog.get_by_id(log.id), pairing.mentor,
                                 session_input(goal_updates=updates))


@pytest.fixture
def pairing_goal(conn):
    pairing = make_pairing()
    goal = services.add_goal(pairing, "Open a savings account", "livelihood", None)
    return pairing, goal


def test_the_form_rows_are_prefilled_with_what_the_log_recorded(pairing_goal):
    pairing, goal = pairing_goal
    other = services.add_goal(pairing, "Finish the tailoring course", "education", None)
    log = _log_with_progress(pairing, goal, "achieved", "Account open")
    rows = {row.goal.id: row for row in services.session_goals(pairing, log)}
    # An achieved goal is still offered: this log recorded it.
    assert (rows[goal.id].before, rows[goal.id].status, rows[goal.id].text,
            rows[goal.id].recorded) == ("open", "achieved", "Account open", True)
    assert (rows[other.id].before, rows[other.id].status, rows[other.id].recorded) == (
        "open", "", False)
    # A new log offers only the goals still open.
    assert [row.goal.id for row in services.session_goals(pairing)] == [other.id]


def test_changing_the_latest_entry_moves_the_goal_and_marks_the_note(pairing_goal):
    pairing, goal = pairing_goal
    log = _log_with_progress(pairing, goal, "in_progress", "Opened M-Pesa")
    note = GoalNote.get(GoalNote.session == log.id)
    assert _goal(goal).status == "in_progress" and note.edited_at is None

    _edit(log, pairing, {goal.id: ("achieved", "Account open, first deposit made")})

    assert _goal(goal).status == "achieved"
    edited = GoalNote.get_by_id(note.id)             # changed in place, not duplicated
    assert (edited.status, edited.text) == ("achieved", "Account open, first deposit made")
    assert edited.edited_at is not None and edited.at == note.at
    assert GoalNote.select().count() == 1
    event = AuditEvent.select().where(AuditEvent.action == "session.edited").get()
    assert event.summary == f"session {log.id}; progress on goal {goal.id}"
    assert "Account" not in event.summary


def test_a_later_entry_keeps_its_word_and_older_history_is_kept(pairing_goal):
    pairing, goal = pairing_goal
    standalone = services.add_goal_note(goal, pairing.mentor, "in_progress", "Asked at the bank")
    log = _log_with_progress(pairing, _goal(goal), "achieved", "Account open")
    later = services.add_goal_note(_goal(goal), pairing.mentor, "dropped", "She moved away")

    rows = {row.goal.id: row for row in services.session_goals(pairing, log)}
    assert rows[goal.id].before == "in_progress"     # what the goal was before this log

    _edit(log, pairing, {goal.id: ("", "Account form filled in, not open yet")})

    assert _goal(goal).status == "dropped"          # the later entry still decides
    assert (GoalNote.get_by_id(later.id).status, GoalNote.get_by_id(later.id).text) == (
        "dropped", "She moved away")
    assert (GoalNote.get_by_id(standalone.id).status,
            GoalNote.get_by_id(standalone.id).text) == ("in_progress", "Asked at the bank")
    edited = GoalNote.get(GoalNote.session == log.id)
    assert (edited.status, edited.text) == ("", "Account form filled in, not open yet")


def test_taking_back_progress_returns_the_goal_to_its_status_before(pairing_goal):
    pairing, goal = pairing_goal
    services.add_goal_note(goal, pairing.mentor, "in_progress", "")
    log = _log_with_progress(pairing, _goal(goal), "achieved", "Wrong goal")
    assert _goal(goal).status == "achieved"

    _edit(log, pairing, {goal.id: ("", "  ")})

    assert _goal(goal).status == "in_progress"
    assert not GoalNote.select().where(GoalNote.session == log.id).exists()
    assert GoalNote.select().count() == 1            # the earlier entry stays


def test_choosing_the_status_it_had_before_means_no_change(pairing_goal):
    pairing, goal = pairing_goal
    log = _log_with_progress(pairing, goal, "in_progress", "Started")
    _edit(log, pairing, {goal.id: ("open", "Talked about it only")})
    note = GoalNote.get(GoalNote.session == log.id)
    assert (note.status, note.text) == ("", "Talked about it only")
    assert _goal(goal).status == "open"


def test_an_edit_can_add_progress_the_log_had_forgotten(pairing_goal):
    pairing, goal = pairing_goal
    log = services.log_session(pairing, pairing.mentor, session_input())
    _edit(log, pairing, {goal.id: ("in_progress", "Forgot to note it")})
    note = GoalNote.get(GoalNote.session == log.id)
    assert (note.goal_id, note.status, note.text) == (goal.id, "in_progress", "Forgot to note it")
    assert _goal(goal).status == "in_progress"


def test_an_edit_without_goal_rows_leaves_the_progress_alone(pairing_goal):
    pairing, goal = pairing_goal
    log = _log_with_progress(pairing, goal)
    services.edit_session(log, pairing.mentor, session_input(notes="Only the notes"))
    note = GoalNote.get(GoalNote.session == log.id)
    assert (note.status, note.text, note.edited_at) == ("in_progress", "Opened M-Pesa", None)
    assert _goal(goal).status == "in_progress"


def test_an_unchanged_row_is_not_marked_edited(pairing_goal):
    pairing, goal = pairing_goal
    log = _log_with_progress(pairing, goal)
    _edit(log, pairing, {goal.id: ("in_progress", "Opened M-Pesa")})
    assert GoalNote.get(GoalNote.session == log.id).edited_at is None
    assert AuditEvent.get(AuditEvent.action == "session.edited").summary == f"session {log.id}"


def test_another_pairings_goal_is_refused_and_nothing_written(pairing_goal):
    pairing, goal = pairing_goal
    foreign = services.add_goal(make_pairing(), "Someone else's goal", "education", None)
    log = _log_with_progress(pairing, goal)
    with pytest.raises(services.MentorshipError):
        _edit(log, pairing, {goal.id: ("achieved", "x"), foreign.id: ("achieved", "y")})
    assert (_goal(goal).status, _goal(foreign).status) == ("in_progress", "open")
    assert GoalNote.get(GoalNote.session == log.id).status == "in_progress"
    assert SessionLog.get_by_id(log.id).notes == "Talked about work."


def test_after_the_pairing_ends_recorded_progress_can_change_but_not_new(pairing_goal):
    pairing, goal = pairing_goal
    other = services.add_goal(pairing, "Find a room", "wellbeing", None)
    log = _log_with_progress(pairing, goal, "in_progress", "Started")
    services.end(pairing, "completed", "")
    pairing = type(pairing).get_by_id(pairing.id)
    assert [row.goal.id for row in services.session_goals(pairing, log)] == [goal.id]
    with pytest.raises(services.MentorshipError):
        _edit(log, pairing, {other.id: ("in_progress", "late")})
    _edit(log, pairing, {goal.id: ("achieved", "Done before the end")})
    assert _goal(goal).status == "achieved" and _goal(other).status == "open"


def test_after_the_window_the_progress_is_locked_and_corrections_are_text(pairing_goal):
    pairing, goal = pairing_goal
    log = _log_with_progress(pairing, goal)
    shift_time(SessionLog, "created_at", -dt.timedelta(days=7, minutes=1),
               SessionLog.id == log.id)
    with pytest.raises(services.MentorshipError):
        _edit(log, pairing, {goal.id: ("achieved", "too late")})
    services.add_correction(SessionLog.get_by_id(log.id), pairing.mentor,
                            "The account was opened the next day.")
    note = GoalNote.get(GoalNote.session == log.id)
    assert (note.status, note.text, note.edited_at) == ("in_progress", "Opened M-Pesa", None)
    assert _goal(goal).status == "in_progress"
    # New progress after the window goes on the goal itself, appended.
    services.add_goal_note(_goal(goal), pairing.mentor, "achieved", "Opened the next day")
    assert _goal(goal).status == "achieved"
    assert GoalNote.select().count() == 2

"""Session logs: the mentor's phone-first log (editable by its author for
MENTORING_EDIT_DAYS, then locked: corrections are appended), the goal
progress a log records, and the pairing's figures that follow its logs."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from peewee import fn

from app import audit
from app.access import user_can
from app.clock import utcnow
from app.db import db
from app.i18n import lazy_gettext as _l
from app.mentorship.models import (
    DURATIONS, GOAL_STATUSES, LIMITS, MODES, TOPICS, Goal, GoalNote, Pairing, SessionCorrection,
    SessionLog)
from app.mentorship.services import (
    MentorshipError, edit_days, goals_of, note_goal, overdue_days)
from app.rules import clean_text, today


@dataclass
class SessionInput:
    held_on: dt.date | None
    duration_minutes: int | None
    mode: str
    topics: list[str]
    notes: str
    follow_up: str = ""
    next_meeting_at: dt.datetime | None = None     # naive UTC
    goal_updates: dict | None = None               # goal id -> (status, note)


def _clean_session(data: SessionInput, pairing: Pairing) -> dict:
    if data.held_on is None:
        raise MentorshipError(_l("Enter a date like 2026-11-23."), "held_on")
    if data.held_on > today():
        raise MentorshipError(_l("The date cannot be in the future."), "held_on")
    if pairing.start_date and data.held_on < pairing.start_date - dt.timedelta(days=30):
        raise MentorshipError(_l("This date is before the pairing started."), "held_on")
    if data.duration_minutes not in DURATIONS:
        raise MentorshipError(_l("Choose from the list."), "duration_minutes")
    if data.mode not in MODES:
        raise MentorshipError(_l("Choose from the list."), "mode")
    if any(t not in TOPICS for t in data.topics or ()):
        raise MentorshipError(_l("Choose from the list."), "topics")
    notes = clean_text(data.notes, "notes", LIMITS["session_notes"], error=MentorshipError)
    follow_up = clean_text(data.follow_up, "follow_up", LIMITS["follow_up"],
                           error=MentorshipError)
    if data.next_meeting_at is not None and data.next_meeting_at <= utcnow():
        raise MentorshipError(_l("The next meeting must be in the future."), "next_meeting_at")
    return {"held_on": data.held_on, "duration_minutes": data.duration_minutes,
            "mode": data.mode, "topics": ",".join(t for t in TOPICS if t in (data.topics or ())),
            "notes": notes, "follow_up": follow_up, "next_meeting_at": data.next_meeting_at}


def _goal_updates(pairing: Pairing, updates: dict | None) -> list[tuple[Goal, str, str]]:
    if not updates:
        return []
    goals = {g.id: g for g in Goal.select().where(Goal.pairing == pairing.id)}
    out = []
    for goal_id, (status, text) in updates.items():
        goal = goals.get(int(goal_id))
        if goal is None:
            raise MentorshipError(_l("Choose from the list."), "goals")
        if status and status not in GOAL_STATUSES:
            raise MentorshipError(_l("Choose from the list."), "goals")
        clean_text(text, "goals", LIMITS["goal_note"], error=MentorshipError)
        out.append((goal, status, text))
    return out


def _refresh_pairing(pairing: Pairing) -> None:
    """Last session date, count, next meeting and the overdue flag follow
    the logs (aggregates over an index, not per-row work)."""
    last, count = (SessionLog.select(fn.MAX(SessionLog.held_on), fn.COUNT(SessionLog.id))
                   .where(SessionLog.pairing == pairing.id).tuples().first())
    latest = (SessionLog.select(SessionLog.next_meeting_at)
              .where(SessionLog.pairing == pairing.id)
              .order_by(SessionLog.held_on.desc(), SessionLog.id.desc()).first())
    pairing.last_session_on = last
    pairing.sessions_count = count or 0
    pairing.next_meeting_at = latest.next_meeting_at if latest else None
    if pairing.overdue_since and last and last >= today() - dt.timedelta(days=overdue_days()):
        pairing.overdue_since = None
    pairing.save(only=[Pairing.last_session_on, Pairing.sessions_count,
                       Pairing.next_meeting_at, Pairing.overdue_since])


def log_session(pairing: Pairing, author, data: SessionInput) -> SessionLog:
    """Only the pairing's mentor logs its sessions, while it is active."""
    if pairing.mentor_id != author.id:
        raise MentorshipError(_l("Only the mentor of this pairing can log its sessions."))
    if pairing.status != "active":
        raise MentorshipError(_l("Sessions are logged while the pairing is active."))
    values = _clean_session(data, pairing)
    if values["next_meeting_at"] is None:
        # An empty "Next meeting" keeps the one planned; cancel_next_meeting removes it.
        values["next_meeting_at"] = planned_meeting(pairing)
    updates = _goal_updates(pairing, data.goal_updates)
    with db.atomic():
        log = SessionLog.create(pairing=pairing.id, author=author.id, **values)
        for goal, status, text in updates:
            note_goal(goal, author, status, text, session=log)
        _refresh_pairing(pairing)
        audit.record("session.logged", "pairing", pairing.id, f"session {log.id}", actor=author)
    return log


def planned_meeting(pairing: Pairing) -> dt.datetime | None:
    """The next meeting still ahead (naive UTC), or None."""
    at = pairing.next_meeting_at
    return at if at is not None and at > utcnow() else None


def cancel_next_meeting(pairing: Pairing, user) -> None:
    """The mentor (or a coordinator) takes the planned next meeting off both
    schedules; the logs that planned it no longer show it."""
    if pairing.mentor_id != user.id and not user_can(user, "mentorship.manage"):
        raise MentorshipError(_l("Only the mentor of this pairing can change its meetings."))
    planned = pairing.next_meeting_at
    if planned is None:
        raise MentorshipError(_l("No meeting is planned."))
    with db.atomic():
        (SessionLog.update(next_meeting_at=None)
         .where((SessionLog.pairing == pairing.id) & (SessionLog.next_meeting_at == planned))
         .execute())
        _refresh_pairing(pairing)
        audit.record("meeting.cancelled", "pairing", pairing.id, "next meeting", actor=user)


def is_editable(log: SessionLog, user, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    return (log.author_id == user.id
            and now - log.created_at < dt.timedelta(days=edit_days()))


def locks_at(log: SessionLog) -> dt.datetime:
    return log.created_at + dt.timedelta(days=edit_days())


def edit_session(log: SessionLog, user, data: SessionInput) -> SessionLog:
    if log.author_id != user.id:
        raise MentorshipError(_l("Only the author can change a session log."))
    if not is_editable(log, user):
        raise MentorshipError(_l("This log is locked. Add a correction instead."))
    pairing = Pairing.get_by_id(log.pairing_id)
    if data.next_meeting_at is None or data.next_meeting_at == log.next_meeting_at:
        # Empty keeps what the log planned (even once past); removing is its own action.
        values = _clean_session(replace(data, next_meeting_at=None), pairing)
        values["next_meeting_at"] = log.next_meeting_at
    else:
        values = _clean_session(data, pairing)
    updates = _goal_updates(pairing, data.goal_updates)
    recorded = session_progress(log)
    if pairing.status != "active" and any(
            goal.id not in recorded and (status or (text or "").strip())
            for goal, status, text in updates):
        raise MentorshipError(_l("Goals are set while the pairing is active."), "goals")
    with db.atomic():
        for name, value in values.items():
            setattr(log, name, value)
        log.updated_at = utcnow()
        log.save()
        revised = _revise_progress(log, user, updates, recorded)
        _refresh_pairing(pairing)
        summary = f"session {log.id}"
        if revised:
            summary += "; progress on goal " + ", ".join(str(i) for i in revised)
        audit.record("session.edited", "pairing", pairing.id, summary, actor=user)
    return log


# --- goal progress recorded with a session log ------------------------------------------
# A log's progress on a goal is one GoalNote linked to it. While the log can
# be edited, so can that note (in place, marked edited_at); other entries
# are never touched. A goal's status is the one its latest status-changing
# entry recorded, so an edit moves the goal only when no later entry has
# changed its status since.

def session_progress(log: SessionLog) -> dict[int, GoalNote]:
    """goal id -> the progress this log recorded on it."""
    return {note.goal_id: note for note in
            GoalNote.select().where(GoalNote.session == log.id).order_by(GoalNote.id)}


def _changed_later(note: GoalNote) -> bool:
    """Has a later entry changed the goal's status since this note?"""
    return GoalNote.select().where((GoalNote.goal == note.goal_id) & (GoalNote.id > note.id)
                                   & (GoalNote.status != "")).exists()


def status_before(goal: Goal, note: GoalNote | None = None) -> str:
    """The goal's status just before `note` (None: a new entry, so now):
    what the latest earlier status-changing entry recorded, else "open"
    (every goal starts not started)."""
    if note is None or (not note.status and not _changed_later(note)):
        return goal.status
    earlier = (GoalNote.select(GoalNote.status)
               .where((GoalNote.goal == goal.id) & (GoalNote.id < note.id)
                      & (GoalNote.status != ""))
               .order_by(GoalNote.id.desc()).first())
    return earlier.status if earlier else "open"


@dataclass
class GoalProgress:
    """One goal on the session form: its status before this entry and the
    progress the entry records (empty for a new log)."""
    goal: Goal
    before: str
    status: str = ""
    text: str = ""
    recorded: bool = False


def session_goals(pairing: Pairing, log: SessionLog | None = None) -> list[GoalProgress]:
    """Goals the session form offers: the open ones (while a pairing to log
    into is active) and, when changing a log, each goal it recorded
    progress on, pre-filled with that progress."""
    recorded = session_progress(log) if log else {}
    offer_open = log is None or pairing.status == "active"
    rows = []
    for goal in goals_of([pairing.id]).get(pairing.id, []):
        note = recorded.get(goal.id)
        if note is not None:
            rows.append(GoalProgress(goal, status_before(goal, note), note.status, note.text, True))
        elif offer_open and goal.status in ("open", "in_progress"):
            rows.append(GoalProgress(goal, goal.status))
    return rows


def _revise_progress(log: SessionLog, author, updates, recorded: dict[int, GoalNote]) -> list[int]:
    """Bring the progress this log recorded in line with the edited form;
    returns the ids of the goals whose progress changed."""
    revised = []
    for goal, status, text in updates:
        text = (text or "").strip()
        note = recorded.get(goal.id)
        if note is None:
            if note_goal(goal, author, status, text, session=log) is not None:
                revised.append(goal.id)
            continue
        before, later = status_before(goal, note), _changed_later(note)
        status = "" if status == before else status
        if (status, text) == (note.status, note.text):
            continue
        if not status and not text:
            note.delete_instance()
        else:
            note.status, note.text, note.edited_at = status, text, utcnow()
            note.save(only=[GoalNote.status, GoalNote.text, GoalNote.edited_at])
        if not later:
            goal.status = status or before
        goal.updated_at = utcnow()
        goal.save(only=[Goal.status, Goal.updated_at])
        revised.append(goal.id)
    return revised


def add_correction(log: SessionLog, user, text: str) -> SessionCorrection:
    """After the edit window the author appends corrections."""
    if log.author_id != user.id:
        raise MentorshipError(_l("Only the author can correct a session log."))
    if is_editable(log, user):
        raise MentorshipError(_l("You can still change this log: edit it instead."))
    text = clean_text(text, "text", LIMITS["correction"], required=True, error=MentorshipError)
    with db.atomic():
        correction = SessionCorrection.create(session=log.id, author=user.id, text=text)
        audit.record("session.corrected", "pairing", log.pairing_id, f"session {log.id}",
                     actor=user)
    return correction


def session_details(log: SessionLog) -> dict:
    """What a session's page shows besides the log: its corrections and the
    goal progress it recorded."""
    return {"corrections": list(SessionCorrection.select()
                                .where(SessionCorrection.session == log.id)
                                .order_by(SessionCorrection.id)),
            "goal_notes": list(GoalNote.select(GoalNote, Goal.id, Goal.title)
                               .join(Goal, on=(GoalNote.goal == Goal.id))
                               .where(GoalNote.session == log.id).order_by(GoalNote.id))}


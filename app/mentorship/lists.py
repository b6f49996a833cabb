"""The lists of mentorship pages: the coordinator's overview of pairings,
the mentor's own pairings, goals and latest logs. Each reads only the
columns it shows; a row is a Pairing (or SessionLog, Goal) with its
mentee (`row.mentee.display`) and mentor joined in the same query."""
from __future__ import annotations

from peewee import fn

from app.auth.models import User
from app.members.models import Member
from app.mentorship.models import OPEN_STATUSES, Goal, Pairing, SessionLog

PAGE_SIZE = 25

_ROW_COLUMNS = (Pairing.id, Pairing.status, Pairing.override, Pairing.start_date,
                Pairing.last_session_on, Pairing.sessions_count, Pairing.next_meeting_at,
                Pairing.overdue_since, Pairing.mentee, Pairing.mentor, Member.id, Member.code,
                Member.preferred_name)


def pairing_page(status: str, page: int, overdue_only: bool = False) -> dict:
    """One page of pairings, newest first (the coordinator's overview),
    with their mentee and mentor."""
    page = max(1, page)
    query = (Pairing.select(*_ROW_COLUMNS, User.id, User.display_name)
             .join(Member, on=(Pairing.mentee == Member.id))
             .switch(Pairing).join(User, on=(Pairing.mentor == User.id))
             .order_by(Pairing.id.desc()))
    if status:
        query = query.where(Pairing.status == status)
    if overdue_only:
        query = query.where(Pairing.overdue_since.is_null(False))
    rows = list(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE))
    return {"pairings": rows[:PAGE_SIZE], "page": page, "has_next": len(rows) > PAGE_SIZE}


def _counts():
    """(status, pairings, overdue ones) in one pass over the status index
    (only active pairings are ever flagged overdue)."""
    return (Pairing.select(Pairing.status, fn.COUNT(Pairing.id), fn.COUNT(Pairing.overdue_since))
            .group_by(Pairing.status).tuples())


def counts_by_status() -> dict[str, int]:
    return {status: n for status, n, _overdue in _counts()}


def counts_and_overdue() -> tuple[dict[str, int], int]:
    """Pairings per status and the overdue count, in one query."""
    counts, overdue = {}, 0
    for status, n, flagged in _counts():
        counts[status] = n
        if status == "active":
            overdue = flagged
    return counts, overdue


def my_pairings(user) -> list[Pairing]:
    """The mentor's open pairings (proposed, then active; by member code)."""
    return list(Pairing.select(*_ROW_COLUMNS).join(Member, on=(Pairing.mentee == Member.id))
                .where((Pairing.mentor == user.id) & Pairing.status.in_(OPEN_STATUSES))
                .order_by(Pairing.status, Member.code))


def my_recent_sessions(user) -> list[SessionLog]:
    """The mentor's ten latest logs, with the mentee of each (index: author,
    held_on)."""
    return list(SessionLog.select(SessionLog.id, SessionLog.held_on, SessionLog.duration_minutes,
                                  SessionLog.pairing, Pairing.id, Pairing.mentee, Member.id,
                                  Member.code, Member.preferred_name)
                .join(Pairing, on=(SessionLog.pairing == Pairing.id))
                .join(Member, on=(Pairing.mentee == Member.id))
                .where(SessionLog.author == user.id)
                .order_by(SessionLog.held_on.desc(), SessionLog.id.desc()).limit(10))


def my_active_goals(user) -> dict[int, list[Goal]]:
    """pairing id -> the goals of the mentor's active pairings."""
    result: dict[int, list[Goal]] = {}
    for goal in (Goal.select(Goal.id, Goal.pairing, Goal.title, Goal.status)
                 .join(Pairing, on=(Goal.pairing == Pairing.id))
                 .where((Pairing.mentor == user.id) & (Pairing.status == "active"))
                 .order_by(Goal.status == "achieved", Goal.target_date, Goal.id)):
        result.setdefault(goal.pairing_id, []).append(goal)
    return result


def pairing_sessions(pairing: Pairing, limit: int = 50):
    return (SessionLog.select().where(SessionLog.pairing == pairing.id)
            .order_by(SessionLog.held_on.desc(), SessionLog.id.desc()).limit(limit))

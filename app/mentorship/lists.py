"""The lists of mentorship pages: the coordinator's overview of pairings,
the mentor's own pairings, goals and latest logs. Each reads only the
columns it shows; a row of each list is a named tuple of what it shows
(the overview's: the pairing with its mentee's code and name and its
mentor's name, joined in the same query)."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from peewee import fn

from app.auth.models import User
from app.db import Prepared
from app.members.models import Member
from app.mentorship.models import OPEN_STATUSES, Goal, Pairing, SessionLog

PAGE_SIZE = 25

class PairingRow(NamedTuple):
    """A row of the coordinator's overview: the pairing, its mentee's code
    and preferred name, its mentor's name."""
    id: int
    status: str
    override: bool
    start_date: dt.date | None
    last_session_on: dt.date | None
    sessions_count: int
    overdue_since: dt.date | None
    mentee_code: str
    mentee_name: str | None
    mentor_name: str


def _pairing_rows(param, by_status: bool, overdue_only: bool):
    """The overview's page of pairings, newest first (the index on status
    hands them over in id order: a page reads a page of rows)."""
    query = (Pairing.select(Pairing.id, Pairing.status, Pairing.override, Pairing.start_date,
                            Pairing.last_session_on, Pairing.sessions_count,
                            Pairing.overdue_since, Member.code.alias("mentee_code"),
                            Member.preferred_name.alias("mentee_name"),
                            User.display_name.alias("mentor_name"))
             .join(Member, on=(Pairing.mentee == Member.id))
             .switch(Pairing).join(User, on=(Pairing.mentor == User.id))
             .order_by(Pairing.id.desc()).limit(param("limit")).offset(param("offset")))
    if by_status:
        query = query.where(Pairing.status == param("status"))
    if overdue_only:
        query = query.where(Pairing.overdue_since.is_null(False))
    return query


# The coordinator's overview (a key page): built once per filter
# (app.db.Prepared; README, performance).
_PAIRING_ROWS = {(by_status, overdue_only): Prepared(
    lambda param, by_status=by_status, overdue_only=overdue_only: _pairing_rows(
        param, by_status, overdue_only), row=PairingRow)
    for by_status in (False, True) for overdue_only in (False, True)}


def pairing_page(status: str, page: int, overdue_only: bool = False) -> dict:
    """One page of pairings, newest first (the coordinator's overview),
    with their mentee and mentor; `status` "" is every status."""
    page = max(1, page)
    values = {"limit": PAGE_SIZE + 1, "offset": (page - 1) * PAGE_SIZE}
    if status:
        values["status"] = status
    rows = _PAIRING_ROWS[bool(status), overdue_only].all(**values)
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


class MyPairing(NamedTuple):
    """A mentor's pairing as their pages show it, with the mentee's code
    and preferred name."""
    id: int
    status: str
    start_date: dt.date
    last_session_on: dt.date | None
    sessions_count: int
    next_meeting_at: dt.datetime | None
    overdue_since: dt.date | None
    code: str
    preferred_name: str


class MySession(NamedTuple):
    id: int
    held_on: dt.date
    duration_minutes: int
    code: str
    preferred_name: str


class GoalLine(NamedTuple):
    id: int
    pairing_id: int
    title: str
    status: str


# The mentor's home (a key page) and its dashboard panel: built once
# (app.db.Prepared; README, performance).
_my_pairings = Prepared(lambda param: (
    Pairing.select(Pairing.id, Pairing.status, Pairing.start_date, Pairing.last_session_on,
                   Pairing.sessions_count, Pairing.next_meeting_at, Pairing.overdue_since,
                   Member.code, Member.preferred_name)
    .join(Member, on=(Pairing.mentee == Member.id))
    .where((Pairing.mentor == param("mentor")) & Pairing.status.in_(OPEN_STATUSES))
    .order_by(Pairing.status, Member.code)), row=MyPairing)

_my_sessions = Prepared(lambda param: (
    SessionLog.select(SessionLog.id, SessionLog.held_on, SessionLog.duration_minutes,
                      Member.code, Member.preferred_name)
    .join(Pairing, on=(SessionLog.pairing == Pairing.id))
    .join(Member, on=(Pairing.mentee == Member.id))
    .where(SessionLog.author == param("author"))
    .order_by(SessionLog.held_on.desc(), SessionLog.id.desc()).limit(10)), row=MySession)

_my_goals = Prepared(lambda param: (
    Goal.select(Goal.id, Goal.pairing.alias("pairing_id"), Goal.title, Goal.status)
    .join(Pairing, on=(Goal.pairing == Pairing.id))
    .where((Pairing.mentor == param("mentor")) & (Pairing.status == "active"))
    .order_by(Goal.status == "achieved", Goal.target_date, Goal.id)), row=GoalLine)


def my_pairings(user) -> list[MyPairing]:
    """The mentor's open pairings (proposed, then active; by member code)."""
    return _my_pairings.all(mentor=user.id)


def my_recent_sessions(user) -> list[MySession]:
    """The mentor's ten latest logs, with the mentee of each (index: author,
    held_on)."""
    return _my_sessions.all(author=user.id)


def my_active_goals(user) -> dict[int, list[GoalLine]]:
    """pairing id -> the goals of the mentor's active pairings."""
    result: dict[int, list[GoalLine]] = {}
    for goal in _my_goals.all(mentor=user.id):
        result.setdefault(goal.pairing_id, []).append(goal)
    return result


def pairing_sessions(pairing: Pairing, limit: int = 50):
    return (SessionLog.select().where(SessionLog.pairing == pairing.id)
            .order_by(SessionLog.held_on.desc(), SessionLog.id.desc()).limit(limit))

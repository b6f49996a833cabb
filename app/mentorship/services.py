"""The rules of mentorship, tested without HTTP: mentor profiles, ranked
mentor suggestions, pairing states, goals, session logs (edit window, then
appended corrections), who sees what, and the overdue check."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw
from flask import current_app
from app.i18n import lazy_gettext as _l
from peewee import fn

from app.rules import RuleError, today
from app import audit
from app.access import user_can
from app.auth.models import User, UserRole
from app.db import Prepared, db, utcnow
from app.clock import to_local
from app.members.models import Member
from app.mentorship.models import (
    AREA_NEEDS, AREAS, DURATIONS, GOAL_STATUSES, MENTOR_LANGUAGES, MODES, OPEN_STATUSES, TOPICS,
    Goal, GoalNote, MentorProfile, Pairing, SessionCorrection, SessionLog, TaskRun, mask_of)

PAGE_SIZE = 25
OVERDUE_TASK = "mentorship.overdue"


class MentorshipError(RuleError):
    """A rule of this module refused the action."""




def overdue_days() -> int:
    return int(current_app.config["MENTORING_OVERDUE_DAYS"])


def edit_days() -> int:
    return int(current_app.config["MENTORING_EDIT_DAYS"])


# --- mentors and their profiles ---------------------------------------------------

def mentor_users():
    """Active accounts holding the mentor role."""
    return (User.select().join(UserRole, on=(UserRole.user == User.id))
            .where((UserRole.role == "mentor") & (User.active == True))  # noqa: E712
            .order_by(User.display_name))


def is_mentor(user) -> bool:
    return mentor_users().where(User.id == user.id).exists()


_profile_of = Prepared(lambda p: MentorProfile.select().where(MentorProfile.user == p("user")))


def profile_for(user) -> MentorProfile:
    """The saved profile, or an unsaved default one (no write on read)."""
    return _profile_of.first(user=user.id) or MentorProfile(
        user=user.id, areas_mask=0, languages_mask=1, capacity=3, availability="")


def save_profile(user, areas, languages, capacity, availability, actor=None,
                 keep_capacity: bool = False) -> MentorProfile:
    if any(a not in AREAS for a in areas or ()):
        raise MentorshipError(_l("Choose from the list."), "areas")
    if not languages or any(lang not in MENTOR_LANGUAGES for lang in languages):
        raise MentorshipError(_l("Choose at least one language."), "languages")
    availability = (availability or "").strip()
    if len(availability) > 255:
        raise MentorshipError(_l("Use at most %(max)d characters.", max=255), "availability")
    profile = profile_for(user)
    if not keep_capacity:
        if capacity is None or not 0 <= int(capacity) <= 20:
            raise MentorshipError(_l("Between 0 and 20 mentees."), "capacity")
        profile.capacity = int(capacity)
    profile.areas_mask = mask_of(areas, AREAS)
    profile.languages_mask = mask_of(languages, MENTOR_LANGUAGES)
    profile.availability = availability
    profile.updated_at = utcnow()
    with db.atomic():
        profile.save(force_insert=profile.id is None)
        audit.record("mentor.profile_saved", "user", user.id, actor=actor)
    return profile


def mentor_loads() -> dict[int, int]:
    """mentor user id -> number of open (proposed or active) pairings."""
    rows = (Pairing.select(Pairing.mentor, fn.COUNT(Pairing.id))
            .where(Pairing.status.in_(OPEN_STATUSES)).group_by(Pairing.mentor).tuples())
    return dict(rows)


@dataclass
class MentorRow:
    user: User
    profile: MentorProfile
    load: int

    @property
    def free(self) -> int:
        return max(0, self.profile.capacity - self.load)


def mentor_rows() -> list[MentorRow]:
    """Every mentor with profile and load: three queries in all."""
    users = list(mentor_users())
    profiles = {p.user_id: p for p in MentorProfile.select().where(
        MentorProfile.user.in_([u.id for u in users]))} if users else {}
    loads = mentor_loads()
    return [MentorRow(u, profiles.get(u.id) or profile_for(u), loads.get(u.id, 0))
            for u in users]


def mentors_at_capacity() -> list[MentorRow]:
    return [row for row in mentor_rows() if row.free == 0]


# --- suggestions -------------------------------------------------------------------

@dataclass
class Suggestion:
    mentor: MentorRow
    shared_language: bool
    matched_needs: list[str]

    @property
    def key(self):
        return (not self.shared_language, -len(self.matched_needs), -self.mentor.free,
                self.mentor.user.display_name.lower())


def matched_needs(areas, needs) -> list[str]:
    covered = set().union(*(AREA_NEEDS[a] for a in areas)) if areas else set()
    return [need for need in needs if need in covered]


def suggest_mentors(mentee: Member, limit: int = 10) -> list[Suggestion]:
    """Mentors with free capacity, ranked by shared language, then by how
    many of the mentee's needs their areas cover, then by free capacity."""
    taken = {p.mentor_id for p in Pairing.select(Pairing.mentor).where(
        (Pairing.mentee == mentee.id) & Pairing.status.in_(OPEN_STATUSES))}
    needs = mentee.needs
    suggestions = []
    for row in mentor_rows():
        if row.free <= 0 or row.user.id in taken or row.user.id == mentee.user_id:
            continue
        suggestions.append(Suggestion(row, mentee.language in row.profile.languages,
                                      matched_needs(row.profile.areas, needs)))
    suggestions.sort(key=lambda s: s.key)
    return suggestions[:limit]


# --- who sees what ----------------------------------------------------------------

def visible_pairings(user):
    """Coordinators see every pairing; a mentor only their own."""
    query = Pairing.select(Pairing, Member).join(Member, on=(Pairing.mentee == Member.id))
    if user_can(user, "mentorship.manage"):
        return query
    if user_can(user, "mentorship.view_own"):
        return query.where(Pairing.mentor == user.id)
    return query.where(False)


def visible_sessions(user):
    """Session logs of the pairings `user` may see."""
    return SessionLog.select().where(SessionLog.pairing.in_(visible_pairings(user).select(Pairing.id)))


def visible_goals(user):
    """Goals of the pairings `user` may see."""
    return Goal.select().where(Goal.pairing.in_(visible_pairings(user).select(Pairing.id)))


def mentee_ids_of(user):
    """Members a mentor works with (open pairings): a subquery for the
    members module's scoping (registry member_scopes)."""
    if not user_can(user, "mentorship.view_own"):
        return None
    return Pairing.select(Pairing.mentee).where(
        (Pairing.mentor == user.id) & Pairing.status.in_(OPEN_STATUSES))


def mentee_phone(pairing: Pairing, viewer) -> str | None:
    """The mentee's phone for their mentor, only with contact consent."""
    from app.members.services import contact_phone
    if pairing.mentor_id != viewer.id or pairing.status != "active":
        return None
    phone = contact_phone(pairing.mentee)
    if phone:
        audit.record("mentorship.phone_shown", "member", pairing.mentee_id,
                     f"pairing {pairing.id}", actor=viewer)
    return phone


# --- pairings ------------------------------------------------------------------------

def _load(mentor_id: int) -> int:
    return Pairing.select().where((Pairing.mentor == mentor_id)
                                  & Pairing.status.in_(OPEN_STATUSES)).count()


def propose(mentee: Member, mentor: User, actor=None) -> Pairing:
    if mentee.anonymised_at or mentee.status == "exited":
        raise MentorshipError(_l("This member has left the centre."), "mentee")
    if not is_mentor(mentor):
        raise MentorshipError(_l("Choose a mentor from the list."), "mentor")
    if mentee.user_id and mentee.user_id == mentor.id:
        raise MentorshipError(_l("A mentor cannot mentor themselves."), "mentor")
    with db.atomic():
        if _load(mentor.id) >= profile_for(mentor).capacity:
            raise MentorshipError(_l("This mentor has no free place."), "mentor")
        try:
            with db.atomic():
                pairing = Pairing.create(mentee=mentee.id, mentor=mentor.id, status="proposed",
                                         proposed_by=actor.id if actor else None)
        except pw.IntegrityError:
            raise MentorshipError(_l("This mentor is already paired with this member."),
                                  "mentor") from None
        audit.record("pairing.proposed", "pairing", pairing.id, f"member {mentee.id}",
                     actor=actor)
    return pairing


def has_other_active(pairing: Pairing) -> bool:
    return Pairing.select().where((Pairing.mentee == pairing.mentee_id)
                                  & (Pairing.status == "active")
                                  & (Pairing.id != pairing.id)).exists()


def activate(pairing: Pairing, actor=None, override: bool = False,
             start_date: dt.date | None = None) -> Pairing:
    """proposed -> active. A second active pairing for the same mentee needs
    the coordinator's override (the database refuses it otherwise)."""
    if pairing.status != "proposed":
        raise MentorshipError(_l("Only a proposed pairing can start."))
    start_date = start_date or today()
    if start_date > today():
        raise MentorshipError(_l("The date cannot be in the future."), "start_date")
    with db.atomic():
        other = has_other_active(pairing)
        if other and not override:
            raise MentorshipError(_l("This member already has an active mentor. Tick "
                                     "“allow a second mentor” to pair them anyway."), "override")
        pairing.status, pairing.start_date = "active", start_date
        pairing.override = bool(other and override)
        try:
            with db.atomic():
                pairing.save(only=[Pairing.status, Pairing.start_date, Pairing.override])
        except pw.IntegrityError:
            raise MentorshipError(_l("This member already has an active mentor."),
                                  "override") from None
        audit.record("pairing.activated", "pairing", pairing.id,
                     "with override" if pairing.override else "", actor=actor)
    return pairing


def end(pairing: Pairing, outcome: str, reason: str, actor=None,
        end_date: dt.date | None = None) -> Pairing:
    """active -> completed or ended (with a reason); proposed -> ended."""
    reason = (reason or "").strip()
    if outcome not in ("completed", "ended"):
        raise MentorshipError(_l("Choose from the list."), "outcome")
    if pairing.status not in OPEN_STATUSES:
        raise MentorshipError(_l("This pairing is already closed."))
    if pairing.status == "proposed" and outcome == "completed":
        raise MentorshipError(_l("A pairing that never started cannot be completed."), "outcome")
    if outcome == "ended" and not reason:
        raise MentorshipError(_l("Say why the pairing ends."), "reason")
    if len(reason) > 255:
        raise MentorshipError(_l("Use at most %(max)d characters.", max=255), "reason")
    end_date = end_date or today()
    if end_date > today() or (pairing.start_date and end_date < pairing.start_date):
        raise MentorshipError(_l("Choose a date between the start and today."), "end_date")
    with db.atomic():
        pairing.status, pairing.end_date, pairing.end_reason = outcome, end_date, reason
        pairing.override, pairing.next_meeting_at, pairing.overdue_since = False, None, None
        pairing.save(only=[Pairing.status, Pairing.end_date, Pairing.end_reason,
                           Pairing.override, Pairing.next_meeting_at, Pairing.overdue_since])
        audit.record(f"pairing.{outcome}", "pairing", pairing.id, actor=actor)
    return pairing


class MenteeName:
    """A mentee as lists show them: code and preferred name (Member.display)."""
    __slots__ = ("code", "preferred_name")
    display = Member.display

    def __init__(self, code: str, preferred_name: str):
        self.code, self.preferred_name = code, preferred_name


class MentorName:
    __slots__ = ("display_name",)

    def __init__(self, display_name: str):
        self.display_name = display_name


class PairingRow:
    """The columns a pairing list shows, read as plain tuples: a list row
    costs a few microseconds instead of three full models."""
    __slots__ = ("id", "status", "override", "start_date", "last_session_on", "sessions_count",
                 "next_meeting_at", "overdue_since", "mentee", "mentor")

    def __init__(self, id, status, override, start_date, last_session_on, sessions_count,
                 next_meeting_at, overdue_since, mentee, mentor=None):
        self.id, self.status, self.override = id, status, override
        self.start_date, self.last_session_on = start_date, last_session_on
        self.sessions_count, self.next_meeting_at = sessions_count, next_meeting_at
        self.overdue_since, self.mentee, self.mentor = overdue_since, mentee, mentor


_ROW_COLUMNS = (Pairing.id, Pairing.status, Pairing.override, Pairing.start_date,
                Pairing.last_session_on, Pairing.sessions_count, Pairing.next_meeting_at,
                Pairing.overdue_since, Member.code, Member.preferred_name)


def _pairing_row(values, with_mentor: bool) -> PairingRow:
    row = PairingRow(*values[:8], MenteeName(values[8], values[9]))
    if with_mentor:
        row.mentor = MentorName(values[10])
    return row


def _pairing_list(has_status: bool, overdue_only: bool) -> Prepared:
    """The page's ids come from an index alone (sorting integers), then
    only those rows are joined to member and mentor: the cost stays the
    same however many pairings a status holds."""
    def build(p):
        ids = Pairing.select(Pairing.id)
        if has_status:
            ids = ids.where(Pairing.status == p("status"))
        if overdue_only:
            ids = ids.where(Pairing.overdue_since.is_null(False))
        ids = ids.order_by(Pairing.id.desc()).limit(p("limit")).offset(p("offset"))
        return (Pairing.select(*_ROW_COLUMNS, User.display_name)
                .join(Member, on=(Pairing.mentee == Member.id))
                .switch(Pairing).join(User, on=(Pairing.mentor == User.id))
                .where(Pairing.id.in_(ids)).order_by(Pairing.id.desc()).tuples())
    return Prepared(build)


_PAIRING_LISTS = {(s, o): _pairing_list(s, o) for s in (True, False) for o in (True, False)}
# Counts by status and, in the same pass over the (status, overdue_since)
# index, the overdue ones (only active pairings are ever flagged).
_counts_by_status = Prepared(lambda p: Pairing.select(
    Pairing.status, fn.COUNT(Pairing.id), fn.COUNT(Pairing.overdue_since))
    .group_by(Pairing.status).tuples())


def pairing_page(status: str, page: int, overdue_only: bool = False) -> dict:
    """One page of pairings, newest first (the coordinator's overview)."""
    page = max(1, page)
    rows = [_pairing_row(values, True) for values in _PAIRING_LISTS[
        (bool(status), overdue_only)].iterate(
        status=status, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)]
    return {"pairings": rows[:PAGE_SIZE], "page": page, "has_next": len(rows) > PAGE_SIZE}


def counts_by_status() -> dict[str, int]:
    return {status: n for status, n, _overdue in _counts_by_status.iterate()}


def counts_and_overdue() -> tuple[dict[str, int], int]:
    """Pairings per status and the overdue count (overdue_count()) in one query."""
    counts, overdue = {}, 0
    for status, n, flagged in _counts_by_status.iterate():
        counts[status] = n
        if status == "active":
            overdue = flagged
    return counts, overdue


# The mentor's home runs these on every visit: built once (app.db.Prepared),
# read as tuples of the columns the page shows.
_my_pairings = Prepared(lambda p: (
    Pairing.select(*_ROW_COLUMNS).join(Member, on=(Pairing.mentee == Member.id))
    .where((Pairing.mentor == p("mentor")) & Pairing.status.in_(OPEN_STATUSES))
    .order_by(Pairing.status, Member.code).tuples()))
_my_recent_sessions = Prepared(lambda p: (
    SessionLog.select(SessionLog.id, SessionLog.held_on, SessionLog.duration_minutes,
                      Member.code, Member.preferred_name)
    .join(Pairing, on=(SessionLog.pairing == Pairing.id))
    .join(Member, on=(Pairing.mentee == Member.id))
    .where(SessionLog.author == p("author"))
    .order_by(SessionLog.held_on.desc(), SessionLog.id.desc()).limit(10).tuples()))
_my_active_goals = Prepared(lambda p: (
    Goal.select(Goal.id, Goal.pairing, Goal.title, Goal.status)
    .join(Pairing, on=(Goal.pairing == Pairing.id))
    .where((Pairing.mentor == p("mentor")) & (Pairing.status == "active"))
    .order_by(Goal.status == "achieved", Goal.target_date, Goal.id).tuples()))


class RecentSession:
    __slots__ = ("id", "held_on", "duration_minutes", "mentee")

    def __init__(self, id, held_on, duration_minutes, mentee):
        self.id, self.held_on, self.duration_minutes, self.mentee = (
            id, held_on, duration_minutes, mentee)


class GoalRow:
    __slots__ = ("id", "pairing_id", "title", "status")

    def __init__(self, id, pairing_id, title, status):
        self.id, self.pairing_id, self.title, self.status = id, pairing_id, title, status


def my_pairings(user) -> list[PairingRow]:
    """The mentor's open pairings (proposed, then active; by member code)."""
    return [_pairing_row(values, False) for values in _my_pairings.iterate(mentor=user.id)]


def my_recent_sessions(user) -> list[RecentSession]:
    """The mentor's ten latest logs (index: author, held_on)."""
    return [RecentSession(i, held_on, minutes, MenteeName(code, name))
            for i, held_on, minutes, code, name in _my_recent_sessions.iterate(author=user.id)]


def my_active_goals(user) -> dict[int, list[GoalRow]]:
    result: dict[int, list[GoalRow]] = {}
    for values in _my_active_goals.iterate(mentor=user.id):
        result.setdefault(values[1], []).append(GoalRow(*values))
    return result


def pairing_sessions(pairing: Pairing, limit: int = 50):
    return (SessionLog.select().where(SessionLog.pairing == pairing.id)
            .order_by(SessionLog.held_on.desc(), SessionLog.id.desc()).limit(limit))


# --- goals ------------------------------------------------------------------------------

def _check_goal_fields(title: str, area: str, target_date):
    title = (title or "").strip()
    if not title:
        raise MentorshipError(_l("This field is required."), "title")
    if len(title) > 160:
        raise MentorshipError(_l("Use at most %(max)d characters.", max=160), "title")
    if area not in AREAS:
        raise MentorshipError(_l("Choose from the list."), "area")
    return title


def add_goal(pairing: Pairing, title: str, area: str, target_date, actor=None) -> Goal:
    title = _check_goal_fields(title, area, target_date)
    if pairing.status != "active":
        raise MentorshipError(_l("Goals are set while the pairing is active."))
    with db.atomic():
        goal = Goal.create(pairing=pairing.id, title=title, area=area, target_date=target_date,
                           created_by=actor.id if actor else None)
        audit.record("goal.added", "pairing", pairing.id, f"goal {goal.id}", actor=actor)
    return goal


def _note_goal(goal: Goal, actor, status: str, text: str, session=None) -> GoalNote | None:
    text = (text or "").strip()
    if status and status not in GOAL_STATUSES:
        raise MentorshipError(_l("Choose from the list."), "status")
    if len(text) > 2000:
        raise MentorshipError(_l("Use at most %(max)d characters.", max=2000), "text")
    changed = status if status and status != goal.status else ""
    if not changed and not text:
        return None
    note = GoalNote.create(goal=goal.id, session=session.id if session else None,
                           author=actor.id if actor else None, status=changed, text=text)
    if changed:
        goal.status = changed
    goal.updated_at = utcnow()
    goal.save(only=[Goal.status, Goal.updated_at])
    return note


def add_goal_note(goal: Goal, actor, status: str, text: str) -> GoalNote:
    if not (text or "").strip() and (not status or status == goal.status):
        raise MentorshipError(_l("Write a note or change the status."), "text")
    with db.atomic():
        note = _note_goal(goal, actor, status, text)
        audit.record("goal.progress", "pairing", goal.pairing_id, f"goal {goal.id}", actor=actor)
    return note


def goals_of(pairing_ids) -> dict[int, list[Goal]]:
    result: dict[int, list[Goal]] = {}
    if not pairing_ids:
        return result
    for goal in (Goal.select().where(Goal.pairing.in_(list(pairing_ids)))
                 .order_by(Goal.status == "achieved", Goal.target_date, Goal.id)):
        result.setdefault(goal.pairing_id, []).append(goal)
    return result


def notes_of(goal_ids) -> dict[int, list[GoalNote]]:
    result: dict[int, list[GoalNote]] = {}
    if not goal_ids:
        return result
    for note in (GoalNote.select(GoalNote, User).join(User, pw.JOIN.LEFT_OUTER,
                                                      on=(GoalNote.author == User.id))
                 .where(GoalNote.goal.in_(list(goal_ids))).order_by(GoalNote.id)):
        result.setdefault(note.goal_id, []).append(note)
    return result


# --- session logs ----------------------------------------------------------------------

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
    notes, follow_up = (data.notes or "").strip(), (data.follow_up or "").strip()
    if len(notes) > 4000:
        raise MentorshipError(_l("Use at most %(max)d characters.", max=4000), "notes")
    if len(follow_up) > 2000:
        raise MentorshipError(_l("Use at most %(max)d characters.", max=2000), "follow_up")
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
        if len((text or "").strip()) > 2000:
            raise MentorshipError(_l("Use at most %(max)d characters.", max=2000), "goals")
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
    updates = _goal_updates(pairing, data.goal_updates)
    with db.atomic():
        log = SessionLog.create(pairing=pairing.id, author=author.id, **values)
        for goal, status, text in updates:
            _note_goal(goal, author, status, text, session=log)
        _refresh_pairing(pairing)
        audit.record("session.logged", "pairing", pairing.id, f"session {log.id}", actor=author)
    return log


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
            if _note_goal(goal, author, status, text, session=log) is not None:
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
    text = (text or "").strip()
    if log.author_id != user.id:
        raise MentorshipError(_l("Only the author can correct a session log."))
    if is_editable(log, user):
        raise MentorshipError(_l("You can still change this log: edit it instead."))
    if not text:
        raise MentorshipError(_l("This field is required."), "text")
    if len(text) > 2000:
        raise MentorshipError(_l("Use at most %(max)d characters.", max=2000), "text")
    with db.atomic():
        correction = SessionCorrection.create(session=log.id, author=user.id, text=text)
        audit.record("session.corrected", "pairing", log.pairing_id, f"session {log.id}",
                     actor=user)
    return correction


# --- overdue pairings ------------------------------------------------------------------

def overdue_cutoff(on: dt.date) -> dt.date:
    return on - dt.timedelta(days=overdue_days())


def flag_overdue(on: dt.date) -> dict:
    """Flag active pairings with no session since the cutoff (counting from
    the start for a pairing without sessions); unflag the others. Works from
    dates, so a late run catches up on everything it missed."""
    cutoff = overdue_cutoff(on)
    last = fn.COALESCE(Pairing.last_session_on, Pairing.start_date)
    flagged = (Pairing.update(overdue_since=on)
               .where((Pairing.status == "active") & Pairing.overdue_since.is_null()
                      & (last < cutoff)).execute())
    cleared = (Pairing.update(overdue_since=None)
               .where((Pairing.status == "active") & Pairing.overdue_since.is_null(False)
                      & (last >= cutoff)).execute())
    return {"flagged": flagged, "cleared": cleared}


def check_is_due(last: dt.datetime | None, now: dt.datetime) -> bool:
    """Once per local day; a missed day (the Pi was off) is caught up at
    the next hourly run, and a clock that jumped back never blocks it."""
    if last is None or last > now:
        return True
    return to_local(last).date() < to_local(now).date()


def run_overdue_check_if_due(now: dt.datetime | None = None) -> dict | None:
    now = now or utcnow()
    with db.atomic():
        run, _created = TaskRun.get_or_create(name=OVERDUE_TASK)
        if not check_is_due(run.last_success_at, now):
            return None
        result = flag_overdue(to_local(now).date())
        run.last_success_at = now
        run.save(only=[TaskRun.last_success_at])
        audit.record("mentorship.overdue_check", "pairing", None,
                     f"flagged {result['flagged']}, cleared {result['cleared']}")
    return result


_last_run = Prepared(lambda p: TaskRun.select(TaskRun.last_success_at)
                     .where(TaskRun.name == p("name")).tuples())


def last_overdue_check() -> dt.datetime | None:
    row = _last_run.first(name=OVERDUE_TASK)
    return row[0] if row else None


def overdue_pairings(mentor=None, limit: int = 20):
    query = (Pairing.select(Pairing, Member, User)
             .join(Member, on=(Pairing.mentee == Member.id))
             .switch(Pairing).join(User, on=(Pairing.mentor == User.id))
             .where((Pairing.status == "active") & Pairing.overdue_since.is_null(False)))
    if mentor is not None:
        query = query.where(Pairing.mentor == mentor.id)
    return query.order_by(fn.COALESCE(Pairing.last_session_on, Pairing.start_date)).limit(limit)


_overdue_count = Prepared(lambda p: Pairing.select(fn.COUNT(Pairing.id).alias("n")).where(
    (Pairing.status == "active") & Pairing.overdue_since.is_null(False)))


def overdue_count() -> int:
    return _overdue_count.first().n


# --- figures for the dashboard -----------------------------------------------------------

def sessions_this_month() -> int:
    first = today().replace(day=1)
    return SessionLog.select().where(SessionLog.held_on >= first).count()


def active_pairings_count() -> int:
    return Pairing.select().where(Pairing.status == "active").count()


# --- the mentee's view ----------------------------------------------------------------------

def mentee_view(member: Member) -> dict:
    """What a member sees of their own mentoring: mentors, next meeting,
    goals. Read-only; session notes are never shown."""
    pairings = list(Pairing.select(Pairing, User).join(User, on=(Pairing.mentor == User.id))
                    .where((Pairing.mentee == member.id) & (Pairing.status == "active"))
                    .order_by(Pairing.start_date))
    goals = goals_of([p.id for p in pairings])
    now = utcnow()
    upcoming = [p.next_meeting_at for p in pairings
                if p.next_meeting_at and p.next_meeting_at > now]
    return {"pairings": pairings, "goals": goals,
            "next_meeting": min(upcoming) if upcoming else None}


def scrub_member(member) -> None:
    """Anonymisation (members.anonymise): remove the free text held about a
    member as mentee; dates, modes, durations and statuses stay for statistics."""
    pairings = Pairing.select(Pairing.id).where(Pairing.mentee == member)
    Pairing.update(end_reason="").where(Pairing.mentee == member).execute()
    Goal.update(title="—").where(Goal.pairing.in_(pairings)).execute()
    GoalNote.update(text="").where(
        GoalNote.goal.in_(Goal.select(Goal.id).where(Goal.pairing.in_(pairings)))).execute()
    sessions = SessionLog.select(SessionLog.id).where(SessionLog.pairing.in_(pairings))
    SessionLog.update(notes="", follow_up="").where(SessionLog.pairing.in_(pairings)).execute()
    SessionCorrection.update(text="").where(SessionCorrection.session.in_(sessions)).execute()

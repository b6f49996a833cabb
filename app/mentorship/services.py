"""The rules of mentorship, tested without HTTP: mentor profiles, ranked
mentor suggestions, who sees what, goals, the dashboard's figures and the
mentee's own view.

Next to it: pairings.py (propose, start, end), lists.py (the pages'
lists), sessions.py (session logs, their goal progress and corrections),
overdue.py (the overdue check). Their public functions are also importable
from here (`from app.mentorship import services; services.log_session(...)`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import peewee as pw
from flask import current_app
from peewee import fn

from app import audit
from app.access import scoped, user_can
from app.auth.models import User, UserRole
from app.clock import utcnow
from app.db import Prepared, db, whole_row
from app.i18n import lazy_gettext as _l
from app.members.models import Member
from app.mentorship.models import (
    AREA_NEEDS, AREAS, CAPACITY_MAX, GOAL_STATUSES, LIMITS, MENTOR_LANGUAGES, OPEN_STATUSES, Goal,
    GoalNote, MentorProfile, Pairing, SessionCorrection, SessionLog, mask_of)
from app.rules import RuleError, clean_text, today


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


def profile_for(user) -> MentorProfile:
    """The saved profile, or an unsaved default one (no write on read)."""
    return MentorProfile.get_or_none(MentorProfile.user == user.id) or MentorProfile(
        user=user.id, areas_mask=0, languages_mask=1, capacity=3, availability="")


def save_profile(user, areas, languages, capacity, availability, actor=None,
                 keep_capacity: bool = False) -> MentorProfile:
    if any(a not in AREAS for a in areas or ()):
        raise MentorshipError(_l("Choose from the list."), "areas")
    if not languages or any(lang not in MENTOR_LANGUAGES for lang in languages):
        raise MentorshipError(_l("Choose at least one language."), "languages")
    availability = clean_text(availability, "availability", LIMITS["availability"],
                              error=MentorshipError)
    profile = profile_for(user)
    if not keep_capacity:
        if capacity is None or not 0 <= int(capacity) <= CAPACITY_MAX:
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


class AtCapacity(NamedTuple):
    display_name: str
    places: int
    load: int


def _at_capacity_query(param):
    load = (Pairing.select(fn.COUNT(Pairing.id))
            .where((Pairing.mentor == User.id) & Pairing.status.in_(OPEN_STATUSES)))
    capacity = fn.COALESCE(MentorProfile.capacity, MentorProfile.capacity.default)
    return (mentor_users().select(User.display_name).switch(User)
            .join(MentorProfile, pw.JOIN.LEFT_OUTER, on=(MentorProfile.user == User.id))
            .select_extend(capacity.alias("places"), pw.Alias(load, "load"))
            .where(load >= capacity))


# The dashboard's panel (a key page): built once (app.db.Prepared; README,
# performance).
_at_capacity = Prepared(_at_capacity_query, row=AtCapacity)


def mentors_at_capacity() -> list[AtCapacity]:
    """Mentors without a free place (the dashboard panel): one query."""
    return _at_capacity.all()


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
    return scoped(Pairing.select(Pairing, Member).join(Member, on=(Pairing.mentee == Member.id)),
                  user, "mentorship.manage", "mentorship.view_own", Pairing.mentor)


def own_pairings(user):
    """The pairings of which `user` is the mentor (to log sessions, say)."""
    return visible_pairings(user).where(Pairing.mentor == user.id)


def visible_sessions(user):
    """Session logs of the pairings `user` may see."""
    return SessionLog.select().where(SessionLog.pairing.in_(visible_pairings(user).select(Pairing.id)))


def own_sessions(user):
    """Session logs `user` wrote (to edit or correct them)."""
    return visible_sessions(user).where(SessionLog.author == user.id)


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


# --- goals ------------------------------------------------------------------------------

def _check_goal_fields(title: str, area: str, target_date):
    title = clean_text(title, "title", LIMITS["goal_title"], required=True,
                       error=MentorshipError)
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


def note_goal(goal: Goal, actor, status: str, text: str, session=None) -> GoalNote | None:
    """Record progress on a goal (a new status and/or a note), inside the
    caller's transaction; None when there is nothing to record."""
    if status and status not in GOAL_STATUSES:
        raise MentorshipError(_l("Choose from the list."), "status")
    text = clean_text(text, "text", LIMITS["goal_note"], error=MentorshipError)
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
        note = note_goal(goal, actor, status, text)
        audit.record("goal.progress", "pairing", goal.pairing_id, f"goal {goal.id}", actor=actor)
    return note


# The mentee's home (/me, a key page) and the session form: built once
# (app.db.Prepared; README, performance). Whole rows.
_goals_of = Prepared(lambda param: (
    Goal.select().where(Goal.pairing.in_(param("pairings", Goal.pairing, many=True)))
    .order_by(Goal.status == "achieved", Goal.target_date, Goal.id)))


def goals_of(pairing_ids) -> dict[int, list[Goal]]:
    result: dict[int, list[Goal]] = {}
    if not pairing_ids:
        return result
    for row in _goals_of.all(pairings=list(pairing_ids)):
        goal = whole_row(Goal, row)
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


def pairing_details(pairing: Pairing) -> dict:
    """What a pairing's page shows: its mentor, goals with their progress
    notes, latest session logs, and whether the mentee has another active
    mentor (asked only while the pairing is proposed)."""
    goals = goals_of([pairing.id]).get(pairing.id, [])
    return {"mentor": User.get_by_id(pairing.mentor_id), "goals": goals,
            "notes": notes_of([g.id for g in goals]),
            "sessions": list(pairing_sessions(pairing)),
            "other_active": (has_other_active(pairing) if pairing.status == "proposed"
                             else False)}



# --- figures for the dashboard -----------------------------------------------------------

def sessions_this_month() -> int:
    first = today().replace(day=1)
    return SessionLog.select().where(SessionLog.held_on >= first).count()


def active_pairings_count() -> int:
    return Pairing.select().where(Pairing.status == "active").count()


# --- the mentee's view ----------------------------------------------------------------------

class MentorOf(NamedTuple):
    """An active pairing as the mentee sees it: the mentor's name and the
    next meeting."""
    id: int
    next_meeting_at: dt.datetime | None
    start_date: dt.date
    mentor_name: str


_mentors_of = Prepared(lambda param: (
    Pairing.select(Pairing.id, Pairing.next_meeting_at, Pairing.start_date,
                   User.display_name.alias("mentor_name"))
    .join(User, on=(Pairing.mentor == User.id))
    .where((Pairing.mentee == param("member")) & (Pairing.status == "active"))
    .order_by(Pairing.start_date)), row=MentorOf)


def mentee_view(member: Member) -> dict:
    """What a member sees of their own mentoring: mentors, next meeting,
    goals. Read-only; session notes are never shown."""
    pairings = _mentors_of.all(member=member.id)
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


# The other parts import from this module, so they come last; their public
# names are importable from here too (`services.log_session(...)`).
from app.mentorship.pairings import (  # noqa: E402,F401
    activate, end, has_other_active, open_pairings_of, propose, propose_for_code)
from app.mentorship.lists import (  # noqa: E402,F401
    PAGE_SIZE, counts_and_overdue, counts_by_status, my_active_goals, my_pairings,
    my_recent_sessions, pairing_page, pairing_sessions)
from app.mentorship.sessions import (  # noqa: E402,F401
    GoalProgress, SessionInput, add_correction, cancel_next_meeting, edit_session, is_editable,
    locks_at, log_session, planned_meeting, session_details, session_goals, session_progress,
    status_before)
from app.mentorship.overdue import (  # noqa: E402,F401
    OVERDUE_TASK, check_is_due, flag_overdue, last_overdue_check, overdue_count, overdue_cutoff,
    overdue_pairings, run_overdue_check_if_due)

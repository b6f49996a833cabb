"""Mentor profiles, pairings, goals, session logs and their corrections.

Pairing rules that must hold whatever the code does live in the database:
one active pairing per mentee (a partial unique index; the coordinator's
override pairing is the only exception), and one open (proposed or active)
pairing per mentor and mentee.
"""
from __future__ import annotations

import peewee as pw

from app.auth.models import User
from app.db import BaseModel, in_calendar, utcnow
from app.members.models import Member

AREAS = ("livelihood", "business", "education", "leadership", "wellbeing")
MENTOR_LANGUAGES = ("sw", "en")
# Which of a mentee's needs (members.NEEDS) each mentoring area answers.
AREA_NEEDS = {
    "livelihood": {"livelihood"},
    "business": {"livelihood"},
    "education": {"education"},
    "leadership": set(),
    "wellbeing": {"health", "family", "housing"},
}
PAIRING_STATUSES = ("proposed", "active", "completed", "ended")
OPEN_STATUSES = ("proposed", "active")
GOAL_STATUSES = ("open", "in_progress", "achieved", "dropped")
MODES = ("in_person", "phone", "group")
TOPICS = ("work", "business", "money", "school", "family", "health", "housing",
          "confidence", "leadership", "safety", "other")
DURATIONS = (15, 30, 45, 60, 90, 120)
CAPACITY_MAX = 20        # mentees a mentor may take at a time, at most
# The longest text a person may type in each field: the services' rules
# (app.rules.clean_text), the forms' length() and the columns use these.
LIMITS = {"availability": 255, "end_reason": 255, "goal_title": 160, "goal_note": 2000,
          "session_notes": 4000, "follow_up": 2000, "correction": 2000}


def mask_of(values, universe) -> int:
    mask = 0
    for value in values or ():
        mask |= 1 << universe.index(value)
    return mask


def values_of(mask: int, universe) -> list[str]:
    return [value for i, value in enumerate(universe) if mask & (1 << i)]


class MentorProfile(BaseModel):
    user = pw.ForeignKeyField(User, unique=True, on_delete="CASCADE", backref="+")
    areas_mask = pw.IntegerField(default=0)
    languages_mask = pw.IntegerField(default=1)       # bit 0: sw
    capacity = pw.IntegerField(default=3)
    availability = pw.CharField(max_length=LIMITS["availability"], default="")
    updated_at = pw.DateTimeField(default=utcnow)

    @property
    def areas(self) -> list[str]:
        return values_of(self.areas_mask, AREAS)

    @property
    def languages(self) -> list[str]:
        return values_of(self.languages_mask, MENTOR_LANGUAGES)


class Pairing(BaseModel):
    mentee = pw.ForeignKeyField(Member, on_delete="CASCADE", backref="+")
    mentor = pw.ForeignKeyField(User, on_delete="CASCADE", backref="+")
    status = pw.CharField(max_length=12, default="proposed")
    # True only for a second active pairing the coordinator allowed.
    override = pw.BooleanField(default=False)
    proposed_at = pw.DateTimeField(default=utcnow)
    proposed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    start_date = pw.DateField(null=True)
    end_date = pw.DateField(null=True)
    end_reason = pw.CharField(max_length=LIMITS["end_reason"], default="")
    # Denormalised for lists and the overdue check (no per-row queries).
    last_session_on = pw.DateField(null=True)
    sessions_count = pw.IntegerField(default=0)
    next_meeting_at = pw.DateTimeField(null=True)     # naive UTC
    overdue_since = pw.DateField(null=True)

    class Meta:
        indexes = (
            (("mentor", "status"), False),
            (("status", "last_session_on"), False),
            (("status", "overdue_since"), False),
            (("mentee", "status"), False),
            (("status", "next_meeting_at"), False),
            (("status",), False),       # the overview's pages: one status, newest first
        )
        constraints = in_calendar("start_date", "end_date", "last_session_on", "next_meeting_at")


# One active pairing per mentee (unless the coordinator overrode it), and one
# open pairing per mentor and mentee: partial unique indexes.
Pairing.add_index(Pairing.index(Pairing.mentee, unique=True, safe=True,
                                name="pairing_one_active_per_mentee").where(
    (Pairing.status == "active") & (Pairing.override == False)))  # noqa: E712
Pairing.add_index(Pairing.index(Pairing.mentee, Pairing.mentor, unique=True, safe=True,
                                name="pairing_one_open_per_pair").where(
    Pairing.status.in_(OPEN_STATUSES)))


class Goal(BaseModel):
    pairing = pw.ForeignKeyField(Pairing, on_delete="CASCADE", backref="goals")
    title = pw.CharField(max_length=LIMITS["goal_title"])
    area = pw.CharField(max_length=16)
    target_date = pw.DateField(null=True)
    status = pw.CharField(max_length=12, default="open")
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("pairing", "status"), False),)
        constraints = in_calendar("target_date")


class SessionLog(BaseModel):
    pairing = pw.ForeignKeyField(Pairing, on_delete="CASCADE", backref="sessions")
    author = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    held_on = pw.DateField()
    duration_minutes = pw.IntegerField()
    mode = pw.CharField(max_length=12)
    topics = pw.CharField(max_length=255, default="")    # comma-separated TOPICS
    notes = pw.TextField(default="")
    follow_up = pw.TextField(default="")
    next_meeting_at = pw.DateTimeField(null=True)       # naive UTC
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("pairing", "held_on"), False),
            (("held_on",), False),
            (("author", "held_on"), False),
        )
        constraints = in_calendar("held_on", "next_meeting_at")

    @property
    def topic_list(self) -> list[str]:
        return [t for t in self.topics.split(",") if t]


class GoalNote(BaseModel):
    """Progress on a goal over time (from a session log or on its own)."""
    goal = pw.ForeignKeyField(Goal, on_delete="CASCADE", backref="notes")
    session = pw.ForeignKeyField(SessionLog, null=True, on_delete="SET NULL", backref="goal_notes")
    author = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = pw.DateTimeField(default=utcnow)
    status = pw.CharField(max_length=12, default="")    # new status, if it changed
    text = pw.TextField(default="")
    # Set when the author changed it with its session log (within the edit window).
    edited_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("goal", "id"), False),)


class SessionCorrection(BaseModel):
    """Appended to a locked session log; the log itself never changes."""
    session = pw.ForeignKeyField(SessionLog, on_delete="CASCADE", backref="corrections")
    author = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = pw.DateTimeField(default=utcnow)
    text = pw.TextField()


class TaskRun(BaseModel):
    """Last successful run of a periodic job (catch-up after downtime)."""
    name = pw.CharField(max_length=64, unique=True)
    last_success_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "mentorship_task_run"


MODELS = [MentorProfile, Pairing, Goal, SessionLog, GoalNote, SessionCorrection, TaskRun]

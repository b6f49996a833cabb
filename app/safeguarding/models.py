"""Safeguarding concerns and their action log.

Concerns are kept apart from everything else on purpose: no other module
reads these tables, they are not in member exports, search or reports
(reports get counts by category only, through services.counts_by_category).
"""
from __future__ import annotations

import peewee as pw

from app.auth.models import User
from app.db import BaseModel, in_calendar, utcnow
from app.members.models import Member

CATEGORIES = ("trafficker_contact", "self_harm", "work_exploitation", "health_emergency",
              "housing_crisis", "child_at_risk", "other")
URGENCIES = ("urgent", "soon", "routine")
STATUSES = ("open", "in_progress", "closed")
SOURCES = ("member_page", "session_log", "counselling_note", "other")
ACTION_KINDS = ("raised", "acknowledged", "note", "status", "review", "closed", "reopened")


# The longest text a person may type in each field: the services' rules
# (app.rules.clean_text), the forms' length() and the columns use these.
LIMITS = {"what_happened": 4000, "action_taken": 2000, "note": 4000, "outcome": 4000,
          "reason": 4000, "source_ref": 40}

class Concern(BaseModel):
    member = pw.ForeignKeyField(Member, on_delete="CASCADE", backref="+")
    raised_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    raised_at = pw.DateTimeField(default=utcnow)
    category = pw.CharField(max_length=24)
    urgency = pw.CharField(max_length=12)
    what_happened = pw.TextField()
    action_taken = pw.TextField(default="")
    source = pw.CharField(max_length=20, default="other")
    source_ref = pw.CharField(max_length=LIMITS["source_ref"], default="")
    status = pw.CharField(max_length=12, default="open")
    acknowledged_at = pw.DateTimeField(null=True)
    acknowledged_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    review_on = pw.DateField(null=True)
    outcome = pw.TextField(default="")
    closed_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = (
            # The badge every lead's dashboard polls: urgent, not yet acknowledged.
            (("urgency", "acknowledged_at", "status"), False),
            (("status", "review_on"), False),
            (("raised_by", "raised_at"), False),
            (("status", "raised_at"), False),
            (("category", "raised_at"), False),
        )
        constraints = in_calendar("review_on")


class ConcernAction(BaseModel):
    """Who did what, when: append-only."""
    concern = pw.ForeignKeyField(Concern, on_delete="CASCADE", backref="actions")
    at = pw.DateTimeField(default=utcnow)
    actor = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    kind = pw.CharField(max_length=16)
    text = pw.TextField(default="")

    class Meta:
        indexes = ((("concern", "id"), False),)


MODELS = [Concern, ConcernAction]

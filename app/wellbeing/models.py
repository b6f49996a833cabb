"""Wellbeing checks: the WHO-5 Well-Being Index a member fills in on their
phone (five answers, 0 to 5 each). Health data: read by the member and
counsellors only while the member's wellbeing consent stands."""
from __future__ import annotations

import peewee as pw

from app.auth.models import User
from app.clock import utcnow
from app.db import BaseModel
from app.members.models import Member


class WellbeingCheck(BaseModel):
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    taken_on = pw.DateField()
    taken_at = pw.DateTimeField(default=utcnow)
    cheerful = pw.IntegerField()
    calm = pw.IntegerField()
    active = pw.IntegerField()
    rested = pw.IntegerField()
    interested = pw.IntegerField()
    score = pw.IntegerField()          # 0-100: the sum of the answers times 4
    language = pw.CharField(max_length=5, default="sw")
    entered_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("member", "taken_on"), True), (("taken_on",), False))
        constraints = [
            pw.Check("cheerful BETWEEN 0 AND 5"), pw.Check("calm BETWEEN 0 AND 5"),
            pw.Check("active BETWEEN 0 AND 5"), pw.Check("rested BETWEEN 0 AND 5"),
            pw.Check("interested BETWEEN 0 AND 5"), pw.Check("score BETWEEN 0 AND 100"),
            pw.Check("taken_on BETWEEN '2000-01-01' AND '2100-12-31'"),
        ]


MODELS = [WellbeingCheck]

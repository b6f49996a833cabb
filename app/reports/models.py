"""Indicators and their history, narratives, cached results, research
extracts.

Nothing here holds a person's data except a research extract's frozen rows
(pseudonymised, research-consented members only, removed once downloaded).
"""
from __future__ import annotations

import uuid

import peewee as pw

from app.auth.models import User
from app.clock import utcnow
from app.db import BaseModel
from app.i18n import bilingual

FREQUENCIES = ("monthly", "quarterly", "yearly")
# How an indicator's number is read: a count of the metric's unit, KES
# (cents), a ratio of two metrics as a percentage, or an average per person.
KINDS = ("count", "money", "percent", "average")
# Values of baseline and target are stored as integers: counts as they are,
# money in cents, percentages and averages in tenths.
SCALE = {"count": 1, "money": 100, "percent": 10, "average": 10}


class Indicator(BaseModel):
    """A metric, or a ratio of two, measured against the work plan."""
    key = pw.CharField(max_length=48, unique=True)
    title_en = pw.CharField(max_length=200)
    title_sw = pw.CharField(max_length=200)
    numerator = pw.CharField(max_length=64)
    denominator = pw.CharField(max_length=64, default="")
    kind = pw.CharField(max_length=8, default="count")
    objective = pw.IntegerField()
    goal = pw.IntegerField()
    activity = pw.IntegerField(null=True)
    baseline = pw.IntegerField(null=True)
    baseline_on = pw.DateField(null=True)
    target = pw.IntegerField(null=True)
    target_period = pw.CharField(max_length=32, default="")
    frequency = pw.CharField(max_length=10, default="quarterly")
    data_source = pw.TextField(default="")
    position = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        constraints = [
            pw.Check("objective BETWEEN 1 AND 5"),
            pw.Check("goal BETWEEN 1 AND 3"),
            pw.Check("kind IN ('count', 'money', 'percent', 'average')"),
            pw.Check("frequency IN ('monthly', 'quarterly', 'yearly')"),
            pw.Check("baseline_on IS NULL OR baseline_on BETWEEN '2000-01-01' AND '2100-12-31'"),
        ]

    title = bilingual("title")

    @property
    def is_ratio(self) -> bool:
        return bool(self.denominator)


class IndicatorChange(BaseModel):
    """Every edit of an indicator, old and new value: baselines and targets
    are never lost."""
    indicator = pw.ForeignKeyField(Indicator, backref="changes", on_delete="CASCADE")
    at = pw.DateTimeField(default=utcnow)
    actor = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    field = pw.CharField(max_length=32)
    old_value = pw.TextField(default="")
    new_value = pw.TextField(default="")

    class Meta:
        indexes = ((("indicator", "id"), False),)


class Narrative(BaseModel):
    """What staff write for a period and objective: highlights, challenges,
    lessons learned. Append-only: the latest version per (period,
    objective) is current; the others are its history."""
    period_key = pw.CharField(max_length=32)
    objective = pw.IntegerField()
    highlights = pw.TextField(default="")
    challenges = pw.TextField(default="")
    lessons = pw.TextField(default="")
    author = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("period_key", "objective", "id"), False),)
        constraints = [pw.Check("objective BETWEEN 1 AND 5")]


class ResultCache(BaseModel):
    """A computed figure: `value` (JSON) of metric `metric` for a period and
    a filter/breakdown `spec`. `period_end` lets a change of the data clear
    exactly the periods it touches (see cache.py); `change_id` is the last
    DataChange seen before computing."""
    metric = pw.CharField(max_length=64)
    period_key = pw.CharField(max_length=32)
    spec = pw.CharField(max_length=200, default="")
    period_end = pw.DateField()
    value = pw.TextField()
    change_id = pw.IntegerField(default=0)
    computed_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("metric", "period_key", "spec"), True), (("period_end",), False))


class DataChange(BaseModel):
    """Written by database triggers on the tables metrics read: data dated
    on or after `since` changed. Cached results of periods ending on or
    after it are cleared by a trigger on this table."""
    since = pw.DateField()
    at = pw.DateTimeField(default=utcnow)


class ChartCache(BaseModel):
    """Trend charts, addressed by a hash of what they show (charts.py): the
    spec when named, the SVG once drawn. Never stale; removed after 30 days
    (drawn again when asked for)."""
    digest = pw.CharField(max_length=64, unique=True)
    spec = pw.TextField()
    svg = pw.TextField(default="")
    used_at = pw.DateTimeField(default=utcnow)


class ResearchExtract(BaseModel):
    """A pseudonymised extract for survivor-led research: built by one
    person, approved by another, downloaded once."""
    DRAFT, PENDING, APPROVED, DOWNLOADED, WITHDRAWN = (
        "draft", "pending", "approved", "downloaded", "withdrawn")
    id = pw.UUIDField(primary_key=True, default=uuid.uuid4)
    title = pw.CharField(max_length=120)
    purpose = pw.TextField(default="")
    fields = pw.CharField(max_length=255)
    period_key = pw.CharField(max_length=32)
    status = pw.CharField(max_length=12, default=PENDING)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = pw.DateTimeField(default=utcnow)
    approved_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    approved_at = pw.DateTimeField(null=True)
    downloaded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    downloaded_at = pw.DateTimeField(null=True)
    rows_total = pw.IntegerField(default=0)
    rows_generalised = pw.IntegerField(default=0)
    rows_dropped = pw.IntegerField(default=0)
    check_json = pw.TextField(default="{}")
    payload = pw.TextField(default="")     # the CSV; emptied once downloaded

    class Meta:
        constraints = [pw.Check("approved_by_id IS NULL OR approved_by_id <> created_by_id")]


MODELS = [Indicator, IndicatorChange, Narrative, ResultCache, DataChange, ChartCache,
          ResearchExtract]

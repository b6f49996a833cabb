"""Safeguarding's figures for the reports: how many concerns were raised
in each category, and nothing else. Never split by gender, age, county or
anything that could point at a person (no breakdowns), always shown with
small numbers suppressed, like every figure. No text of a concern."""
from __future__ import annotations

from functools import partial

from app.i18n import lazy_gettext as _l
from app.registry import EVENTS, Metric
from app.safeguarding.labels import CATEGORY_LABELS
from app.safeguarding.models import CATEGORIES, Concern

SOURCES = ((Concern, ("raised_at",)),)


def raised(category, period, scope):
    """Concerns in `category` raised in the period."""
    query = Concern.select().where(period.contains(Concern.raised_at)
                                   & (Concern.category == category))
    return scope.count(query)


METRICS = [
    Metric(f"safeguarding.{category}", _l("Safeguarding concerns: %(category)s",
                                          category=CATEGORY_LABELS[category]),
           _l("concerns"), EVENTS, partial(raised, category), (), sources=SOURCES,
           order=60 + position)
    for position, category in enumerate(CATEGORIES)
]

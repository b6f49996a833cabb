"""The reports module's own figures: research extracts released (work plan
Objective 4, Goal 1) and lessons learned written down (Objective 4, Goal 2,
"documentation of learning")."""
from __future__ import annotations

from app.i18n import lazy_gettext as _l
from app.registry import EVENTS, Metric
from app.reports.models import Narrative, ResearchExtract


def extracts_released(period, scope):
    """Research extracts downloaded (released) in the period."""
    query = ResearchExtract.select().where(period.contains(ResearchExtract.downloaded_at))
    return scope.count(query)


def lessons_documented(period, scope):
    """Periods and objectives whose lessons learned were written (or
    rewritten) in the period: each once."""
    query = (Narrative.select(Narrative.period_key, Narrative.objective)
             .where(period.contains(Narrative.at) & (Narrative.lessons != ""))
             .group_by(Narrative.period_key, Narrative.objective))
    return scope.count(query)


METRICS = [
    Metric("reports.extracts_released", _l("Research extracts released"), _l("extracts"), EVENTS,
           extracts_released, (), sources=((ResearchExtract, ("downloaded_at",)),), order=80),
    Metric("reports.lessons_documented", _l("Lessons learned written down"), _l("narratives"),
           EVENTS, lessons_documented, (), sources=((Narrative, ("at",)),), order=81),
]

"""Narratives: per period and objective, what staff write about the work
(highlights, challenges, lessons learned: the work plan's "documentation
of learning"). Every save is a new version; older ones stay as history."""
from __future__ import annotations

from app import audit
from app.db import db
from app.i18n import lazy_gettext as _l
from app.reports import workplan
from app.reports.models import Narrative
from app.rules import RuleError

FIELDS = ("highlights", "challenges", "lessons")
MAX_LENGTH = 4000


class NarrativeError(RuleError):
    pass


def _points_at_someone(text: str) -> bool:
    """A member code (AZ-0042) or a phone number: not for a donor report."""
    import re

    from app.members.services import prefix
    if re.search(rf"\b{re.escape(prefix())}-?\d{{2,}}\b", text, re.I):
        return True
    return re.search(r"(\+?254|\b0)[ -]?7\d{2}[ -]?\d{3}[ -]?\d{3}\b", text) is not None


def current(period_key: str) -> dict[int, Narrative]:
    """objective -> the latest version for the period."""
    rows = (Narrative.select().where(Narrative.period_key == period_key)
            .order_by(Narrative.id))
    return {row.objective: row for row in rows}


def history(period_key: str, objective: int) -> list[Narrative]:
    return list(Narrative.select().where((Narrative.period_key == period_key)
                                         & (Narrative.objective == objective))
                .order_by(Narrative.id.desc()))


def save(period_key: str, objective: int, data: dict, actor=None) -> Narrative | None:
    """A new version (None when nothing changed)."""
    if objective not in workplan.OBJECTIVES:
        raise NarrativeError(_l("Choose an objective of the work plan."), "objective")
    texts = {}
    for field in FIELDS:
        value = (data.get(field) or "").strip().replace("\r\n", "\n")
        if len(value) > MAX_LENGTH:
            raise NarrativeError(_l("Use at most %(max)d characters.", max=MAX_LENGTH), field)
        if _points_at_someone(value):
            raise NarrativeError(_l("Leave out member codes and phone numbers: this text "
                                    "goes to donors."), field)
        texts[field] = value
    with db.atomic():
        latest = current(period_key).get(objective)
        if latest and all(getattr(latest, f) == texts[f] for f in FIELDS):
            return None
        if latest is None and not any(texts.values()):
            return None
        row = Narrative.create(period_key=period_key, objective=objective,
                               author=actor.id if actor else None, **texts)
        audit.record("narrative.saved", "narrative", row.id,
                     f"{period_key} objective {objective}", actor=actor)
    return row

"""The data-quality page ("standardised data management"): what weakens the
figures, counted per module, each with the records to fix, and a
completeness score per month. Checks come from the modules
(QualityCheck in app/registry.py)."""
from __future__ import annotations

import datetime as dt

from app.registry import registry
from app.reports import periods
from app.clock import today

MONTHS = 12
ITEMS = 100


def checks_for(user) -> list:
    return sorted((c for c in registry().quality_checks if user.can(c.capability)),
                  key=lambda c: (c.order, c.key))


def check_for(user, key: str):
    return next((c for c in checks_for(user) if c.key == key), None)


def months(count: int = MONTHS, day: dt.date | None = None) -> list:
    return periods.containing("month", day or today()).trend(count)


def overview(user) -> dict:
    checks = checks_for(user)
    rows = [(c, c.count()) for c in checks]
    modules: dict[str, int] = {}
    for check, count in rows:
        modules[str(check.module)] = modules.get(str(check.module), 0) + count
    span = months()
    score = completeness([c for c in checks if c.monthly], span)
    return {"rows": rows, "modules": modules, "months": span, "score": score}


def completeness(checks, span) -> list[tuple[object, int | None, int]]:
    """(month, % of its records without a problem, how many records) per month."""
    totals = {p.key: [0, 0] for p in span}
    for check in checks:
        for month, (complete, total) in check.monthly(span[0].start, span[-1].end).items():
            if month in totals:
                totals[month][0] += complete
                totals[month][1] += total
    return [(p, round(100 * totals[p.key][0] / totals[p.key][1]) if totals[p.key][1] else None,
             totals[p.key][1]) for p in span]

"""Compute the figures of the usual periods ahead of time (hourly task,
and seed-demo): every registered metric, this and the previous month,
quarter, year and financial year, with their trends."""
from __future__ import annotations

from app.registry import registry
from app.reports import engine, periods
from app.reports.engine import Request
from app.clock import today

KINDS = ("month", "quarter", "year", "fy")


def usual_periods(day=None, kinds=KINDS) -> list:
    day = day or today()
    chosen = []
    for kind in kinds:
        current = periods.containing(kind, day)
        for period in current.previous().trend(8) + [current]:
            if period not in chosen:
                chosen.append(period)
    return chosen


def warm(day=None, progress=None, kinds=KINDS) -> int:
    """Compute (and keep) what is missing; returns how many figures there are."""
    wanted = [Request(m.key, p) for p in usual_periods(day, kinds) for m in registry().metrics]
    engine.figures(wanted, progress=progress)
    return len(wanted)

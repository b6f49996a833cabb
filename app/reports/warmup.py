"""Compute the figures of the usual periods ahead of time (hourly task,
and seed-demo): every registered metric, this and the previous month,
quarter, year and financial year, with their trends."""
from __future__ import annotations

from app.registry import registry
from app.reports import engine, periods
from app.reports.engine import Request
from app.clock import today

KINDS = ("month", "quarter", "year", "fy")


def usual_periods(day=None) -> list:
    day = day or today()
    chosen = []
    for kind in KINDS:
        current = periods.containing(kind, day)
        for period in current.previous().trend(8) + [current]:
            if period not in chosen:
                chosen.append(period)
    return chosen


def warm(day=None, progress=None) -> int:
    """Returns how many figures were missing (and are now kept)."""
    wanted = [Request(m.key, p) for p in usual_periods(day) for m in registry().metrics]
    before = len(wanted)
    found, _left = engine.figures(wanted, progress=progress)
    return before if found else 0

"""Centre-wide figures kept for a minute: the one short-lived cache of the
dashboard panels (and the loans portfolio page). DESIGN §10.

    def _figures_panel(user):
        return kept("mentorship.figures", lambda: {"active": ..., "overdue": ...})

`kept(key, compute)` returns what `compute()` returned, computing it at
most once per FIGURES_SECONDS (60 s; 0 in tests) per web worker and
Nairobi day. It is keyed by `key` only, never by user or session, so it
is only for figures that are the same for everyone who may see them:
counts, sums and rates of the whole centre. It refuses to keep anything
but numbers: the values must be int, float, Decimal, bool, None or a date,
in dicts (with str or number keys), lists, tuples or dataclasses of them.
A name, a row or a model instance raises TypeError, so nothing personal can
be kept. Rows of a panel (who is overdue, whose follow-up is due) are
queried live; only their count may come from here.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from time import monotonic
from typing import Callable

from flask import current_app

from app.clock import today

_NUMBERS = (int, float, Decimal, dt.date, type(None))    # bool is an int; datetime a date


def numbers_only(value, where: str = "figures") -> None:
    """Raise TypeError unless `value` holds numbers only (see the module)."""
    if isinstance(value, _NUMBERS):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"{where}: key {key!r} is neither a word nor a number")
            numbers_only(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            numbers_only(item, f"{where}[{index}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            numbers_only(getattr(value, f.name), f"{where}.{f.name}")
    else:
        raise TypeError(f"{where}: {type(value).__name__} is not a number; "
                        "only counts and sums may be kept")


def kept(key: str, compute: Callable[[], object]):
    """compute()'s figures, computed at most once per FIGURES_SECONDS per
    web worker and day (see the module)."""
    max_age = current_app.config["FIGURES_SECONDS"]
    store = current_app.extensions.setdefault("kituo_figures", {})
    day, now = today(), monotonic()
    hit = store.get(key)
    if max_age <= 0 or hit is None or hit[0] != day or now - hit[1] > max_age:
        value = compute()
        numbers_only(value, key)
        hit = store[key] = (day, now, value)
    return hit[2]

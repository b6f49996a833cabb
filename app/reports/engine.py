"""Compute registered metrics for periods, filtered and broken down, and
keep the results (cache.py)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from app.registry import registry
from app.reports import cache
from app.reports.scope import Scope


@dataclass(frozen=True)
class Figure:
    """A metric's value (a number, or {(breakdown values): number}) and how
    many people (or rows) stand behind each number (same shape): the
    suppression rule looks at those."""
    value: object
    support: object


class Request(NamedTuple):
    """A figure a page needs. A named tuple: a year report makes and looks
    up ~800 of them (a frozen dataclass took twice as long to make and hash)."""
    metric: str
    period: object
    filters: tuple = ()      # sorted (dimension, value) pairs
    by: tuple = ()

    @property
    def spec(self) -> str:
        return cache.spec_of(dict(self.filters), self.by) if self.filters or self.by else ""

    @property
    def cache_key(self) -> tuple:
        return (self.metric, self.period.key, self.spec)


def programmes() -> dict:
    """key -> Programme, in their order (the "programme" breakdown)."""
    return {p.key: p for p in sorted(registry().programmes, key=lambda p: (p.order, p.key))}


def compute_figure(metric, period, filters: dict | None = None, by: tuple = ()) -> Figure:
    scope = Scope(metric, period, filters, by, programmes())
    value = metric.compute(period, scope)
    support = scope.support if by else (scope.support.get((), value) if metric.money else value)
    if by and not metric.money:
        support = dict(value)
    return Figure(value, support)


def compute(metric, period, filters: dict | None = None, by: tuple = ()):
    """The metric's value for `period` among members matching `filters`;
    with `by` (one or two breakdowns) {(values...): number}."""
    return compute_figure(metric, period, filters, by).value


@lru_cache(maxsize=4096, typed=True)
def _kept_figure(value, support) -> Figure:
    """The Figure of a kept number and its support, made once per worker
    (aggregate counts; a Figure cannot change): a year report reads ~270."""
    return Figure(value, support)


def figures(requests: list[Request], budget_seconds: float | None = None,
            progress=None) -> tuple[dict, list[Request]]:
    """Cached figures for `requests`, computing (and keeping) the missing
    ones until `budget_seconds` have passed. Returns ({request: Figure},
    the requests left for the worker)."""
    keys = [request.cache_key for request in requests]
    found = cache.lookup(keys)
    result, missing = {}, []
    for request, key in zip(requests, keys):
        hit = found.get(key)
        if hit is None:
            missing.append(request)
        else:
            result[request] = Figure(*hit) if request.by else _kept_figure(*hit)
    if not missing:
        return result, []
    started, change_id = time.monotonic(), cache.last_change_id()
    done, left = [], []
    for index, request in enumerate(missing):
        if budget_seconds is not None and (budget_seconds <= 0
                                           or time.monotonic() - started > budget_seconds):
            left = missing[index:]
            break
        metric = registry().metric(request.metric)
        figure = compute_figure(metric, request.period, dict(request.filters), request.by)
        result[request] = figure
        done.append(request)
        if progress:
            progress(index + 1, len(missing))
    cache.store([(r.metric, r.period, r.spec, (result[r].value, result[r].support))
                 for r in done], change_id)
    return result, left

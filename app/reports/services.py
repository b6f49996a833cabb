"""The report page: every indicator the user may see, for a period, against
its baseline and target, with its trend over the last 8 periods; the
safeguarding counts by category. Figures come from the cache; what is
missing is computed here for up to REPORTS_INLINE_SECONDS, the rest in the
worker (tasks.compute_figures) while the page shows a progress bar."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import get_locale

from app.registry import registry
from app.reports import charts, engine, indicators, suppression, values, workplan
from app.reports.engine import Figure, Request
from app.reports.values import Shown

TREND = 8


def inline_seconds() -> float:
    return float(current_app.config.get("REPORTS_INLINE_SECONDS", 1.0))


@dataclass
class Row:
    indicator: object
    title: str
    reference: str
    value: Shown
    baseline: str
    target: str
    share: Shown
    trend: list = field(default_factory=list)      # [(period, Shown)]
    chart: str = ""
    unit: str = ""
    trend_text: str = ""     # "2025 12; 2026 15": the trend in words (the chart's alt)


def language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def requests_for(inds, trend) -> list[Request]:
    """The figures a report needs: each metric of each indicator, each period."""
    return list(dict.fromkeys(Request(key, period) for indicator in inds
                              for key in indicators.metric_keys(indicator)
                              for period in trend))      # each once, in order


def shown_for(indicator, period, figures: dict, k: int | None = None) -> Shown | None:
    """The indicator's value in `period`; None while it is being computed."""
    return _shown(indicator.kind, indicator.numerator, indicator.denominator, period, figures, k)


def _shown(kind: str, numerator_key: str, denominator_key: str, period, figures: dict,
           k: int | None) -> Shown | None:
    """shown_for with the indicator's fields read once (a row reads them
    for each of its 8 periods)."""
    numerator = figures.get(Request(numerator_key, period))
    denominator = figures.get(Request(denominator_key, period)) if denominator_key else None
    if numerator is None or (denominator_key and denominator is None):
        return None
    return values.show(kind, numerator, denominator, k)


def unit_of(indicator) -> str:
    if indicator.kind in ("percent", "average"):
        return ""
    metric = registry().metric(indicator.numerator)
    return "" if metric.money else str(metric.unit)


def unit_heading(indicator) -> str:
    """Column heading of a one-way breakdown table."""
    from app.i18n import gettext as _
    if indicator.kind == "percent":
        return "%"
    if indicator.kind == "average":
        return _("Average")
    metric = registry().metric(indicator.numerator)
    return "KES" if metric.money else str(metric.unit).capitalize()


def row_for(indicator, period, trend, figures: dict, labels: list[str] | None = None,
            lang: str | None = None, k: int | None = None) -> Row:
    """`labels`: the trend's short labels, `lang` the page language and `k`
    the suppression threshold, when the caller made them once for all its
    rows."""
    lang = lang or language()
    labels = labels or [p.short_label() for p in trend]
    k = values.threshold() if k is None else k
    metrics = indicator.kind, indicator.numerator, indicator.denominator
    points = [(p, _shown(*metrics, p, figures, k)) for p in trend]
    # The trend ends with the period itself (Period.trend): its value once.
    shown = points[-1][1] if trend and trend[-1] == period else \
        _shown(*metrics, period, figures, k)
    row = Row(indicator=indicator, title=indicator.title(lang),
              reference=workplan.reference(indicator.objective, indicator.goal,
                                           indicator.activity),
              value=shown or Shown(None, "…"),
              baseline=indicators.format_value(indicator.baseline, indicator.kind),
              target=indicators.format_value(indicator.target, indicator.kind),
              share=values.share_of_target(shown, indicator.target, indicator.kind)
              if shown else Shown(None, values.NO_VALUE),
              trend=points, unit=unit_of(indicator))
    if all(s is not None for _p, s in points):
        row.chart = charts.spec(row.title, labels, [s.number for _p, s in points])
        row.trend_text = "; ".join(f"{label} {s.text}" for label, (_p, s) in zip(labels, points))
    return row


def safeguarding_table(user, period, figures: dict) -> dict | None:
    """Concerns raised per category in the period, suppressed as a table
    (a hidden category takes another with it, so the total cannot give it
    away). Only for those who may see reports.view metrics."""
    metrics = [m for m in registry().metrics
               if m.key.startswith("safeguarding.") and user.can(m.capability)]
    if not metrics:
        return None
    counts = []
    for metric in metrics:
        figure = figures.get(Request(metric.key, period))
        if figure is None:
            return {"pending": True}
        counts.append(figure.value)
    table = suppression.suppress_counts(counts, values.threshold())
    rows = [(str(m.label).split(": ", 1)[-1], _cell(table, (i, 0)))
            for i, m in enumerate(metrics)]
    return {"rows": rows, "total": _cell(table, (len(metrics), 0)), "pending": False}


def _cell(table, cell) -> str:
    mark = table.hidden.get(cell)
    if mark == suppression.PRIMARY:
        return values.hidden_text()
    if mark == suppression.SECONDARY:
        return values.SECONDARY_MARK
    return f"{table.value(cell):,}"


def safeguarding_requests(user, period) -> list[Request]:
    return [Request(m.key, period) for m in registry().metrics
            if m.key.startswith("safeguarding.") and user.can(m.capability)]


def report(user, period, compute: bool = True) -> dict:
    """Everything the report page shows for `period`, and what is left to
    compute in the worker ("left": requests). With `compute` False (the
    worker is already at it) the page shows only what is kept."""
    inds = indicators.visible(user)
    trend = period.trend(TREND)
    wanted = requests_for(inds, trend) + safeguarding_requests(user, period)
    figures, left = engine.figures(wanted, budget_seconds=inline_seconds() if compute else 0)
    labels, lang, k = [p.short_label() for p in trend], language(), values.threshold()
    rows = [row_for(i, period, trend, figures, labels, lang, k) for i in inds]
    chart_rows = [r for r in rows if r.chart]
    for row, key in zip(chart_rows, charts.names([r.chart for r in chart_rows])):
        row.chart = key
    current = [f for r, f in figures.items() if r.period == period and not r.by]
    return {
        "period": period, "rows": rows, "left": left, "trend": trend,
        "objectives": group_by_objective(rows),
        "safeguarding": safeguarding_table(user, period, figures),
        "no_data": bool(current) and not left and all(f.value == 0 for f in current),
    }


def group_by_objective(rows: list[Row]) -> list[tuple[int, str, list[Row]]]:
    grouped = []
    for objective, title in workplan.OBJECTIVES.items():
        mine = [r for r in rows if r.indicator.objective == objective]
        if mine:
            grouped.append((objective, str(title), mine))
    return grouped


def figures_for(wanted: list[Request]) -> dict:
    """Figures for the worker and exports: all of them, no time budget."""
    figures, _left = engine.figures(wanted)
    return figures


__all__ = ["Figure", "Request", "report", "row_for", "safeguarding_table", "figures_for"]

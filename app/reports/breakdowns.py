"""Drill-down: one indicator for one period, broken down by one or two
dimensions, as a table with totals, suppressed (suppression.py)."""
from __future__ import annotations

from dataclasses import dataclass

from app.registry import registry
from app.reports import dimensions, indicators, suppression, values
from app.reports.engine import Figure, Request


@dataclass
class Table:
    """What the page shows: row and column headings and cells as text."""
    row_dimension: str
    column_dimension: str | None
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[str]]        # with the row totals last
    totals: list[str]             # column totals, the grand total last
    hidden_count: int = 0


def allowed(indicator) -> tuple[str, ...]:
    """Breakdowns every metric of the indicator supports."""
    metrics = [registry().metric(k) for k in indicators.metric_keys(indicator)]
    common = set(metrics[0].breakdowns)
    for metric in metrics[1:]:
        common &= set(metric.breakdowns)
    return tuple(d for d in dimensions.LABELS if d in common)


def requests(indicator, period, by: tuple) -> list[Request]:
    return [Request(k, period, (), by) for k in indicators.metric_keys(indicator)]


def _grid(figure: Figure, rows, cols) -> tuple[list[list[int]], list[list[int]]]:
    """Counts (and support) arranged by category; absent cells are 0."""
    def at(mapping, r, c):
        return mapping.get((r,) if c is None else (r, c), 0)
    column_keys = [k for k, _l in cols] if cols else [None]
    value = [[at(figure.value, r, c) for c in column_keys] for r, _l in rows]
    support = [[at(figure.support, r, c) for c in column_keys] for r, _l in rows]
    return value, support


def _suppressed(support: list[list[int]], two_way: bool):
    k = values.threshold()
    if two_way:
        return suppression.suppress_grid(support, k)
    return suppression.suppress_counts([row[0] for row in support], k)


def _text(kind: str, number: int) -> str:
    if kind == "money":
        from app.filters import money
        return money(number)
    return f"{number:,}"


def table(indicator, period, by: tuple, figures: dict) -> Table:
    rows = dimensions.categories(by[0], period)
    cols = dimensions.categories(by[1], period) if len(by) == 2 else None
    two_way = cols is not None
    numerator = figures[Request(indicator.numerator, period, (), by)]
    value, support = _grid(numerator, rows, cols)
    hidden = _suppressed(support, two_way)
    grid = suppression.two_way(value) if two_way else suppression.one_way([r[0] for r in value])
    denominator_grid = den_hidden = None
    if indicator.denominator:
        den = figures[Request(indicator.denominator, period, (), by)]
        den_value, den_support = _grid(den, rows, cols)
        den_hidden = _suppressed(den_support, two_way)
        denominator_grid = (suppression.two_way(den_value) if two_way
                            else suppression.one_way([r[0] for r in den_value]))

    def cell(i: int, j: int) -> str:
        key = (i, j)
        if hidden.hidden.get(key) or (den_hidden and den_hidden.hidden.get(key)):
            primary = (hidden.hidden.get(key) == suppression.PRIMARY
                       or (den_hidden and den_hidden.hidden.get(key) == suppression.PRIMARY))
            return values.hidden_text() if primary else values.SECONDARY_MARK
        if denominator_grid is None:
            return _text(indicator.kind, grid[i][j])
        shown = values.show(indicator.kind, Figure(grid[i][j], k_plus()),
                            Figure(denominator_grid[i][j], k_plus()))
        return shown.text

    n_rows, n_cols = len(grid), len(grid[0])
    cells = [[cell(i, j) for j in range(n_cols)] for i in range(n_rows - 1)]
    totals = [cell(n_rows - 1, j) for j in range(n_cols)]
    hidden_count = len(hidden.hidden) + (len(den_hidden.hidden) if den_hidden else 0)
    return Table(by[0], by[1] if two_way else None, [label for _k, label in rows],
                 [label for _k, label in cols] if two_way else [], cells, totals, hidden_count)


def k_plus() -> int:
    """Support of a cell already cleared by the table's suppression."""
    return values.threshold()

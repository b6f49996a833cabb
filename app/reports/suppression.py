"""Small numbers never identify anyone: suppression of counts under k.

Every count below k (5 unless configured), zero included, is hidden and
shown as "<5" (primary suppression): a zero shown next to a 3 tells as much
as the 3. Hiding one count is not enough when totals are shown: the total
minus the other counts gives it back. So other counts are hidden too,
shown as "*" (secondary suppression), until no hidden count can be worked
out from what is shown.

"Cannot be worked out", exactly (what `exposed()` checks and the property
test in tests/test_reports_suppression.py proves): a reader sees every
shown count and total and knows that a "<5" count is 0 to k-1 and that a
"*" count is k or more. A hidden count is safe when two tables agree with
all of that and differ in it. Tables that agree with what is shown differ
by moves around cycles of hidden counts (add 1 here, take 1 there,
alternately along rows and columns, so every total stays the same); any
other table that differs in a count can be reached by such a cycle through
it that keeps every count within what the reader knows (the conformal
decomposition of circulations). So a count is safe exactly when such a
cycle exists through it, in one direction or the other.

Which count to hide next, for a hidden count that is still exposed: the
smallest shown count of its row or column (counts before totals) that
protects it; else the cheapest rectangle through it; else the smallest
of its row or column, and look again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

PRIMARY, SECONDARY = "primary", "secondary"
GROUND = ("g", 0)


@dataclass
class Table:
    """A one-way (a column of counts) or two-way table with its margins.

    `values[i][j]` includes the margins: in a two-way table with m rows and
    n columns of counts, column n holds the row totals, row m the column
    totals and [m][n] the grand total. A one-way table is m counts in one
    column, and its total in row m."""
    values: list[list[int]]
    two_way: bool
    hidden: dict = field(default_factory=dict)     # (i, j) -> PRIMARY | SECONDARY

    @property
    def rows(self) -> int:
        return len(self.values)

    @property
    def cols(self) -> int:
        return len(self.values[0])

    def value(self, cell) -> int:
        return self.values[cell[0]][cell[1]]

    def is_margin(self, cell) -> bool:
        i, j = cell
        return i == self.rows - 1 or (self.two_way and j == self.cols - 1)

    def cells(self):
        return [(i, j) for i in range(self.rows) for j in range(self.cols)]

    def shown(self, cell):
        """What a reader sees: the count, "<5" or "…"."""
        return self.hidden.get(cell, self.value(cell))


def one_way(counts: list[int]) -> list[list[int]]:
    return [[c] for c in counts] + [[sum(counts)]]


def two_way(counts: list[list[int]]) -> list[list[int]]:
    rows = [list(row) + [sum(row)] for row in counts]
    return rows + [[sum(row[j] for row in rows) for j in range(len(rows[0]))]]


def suppress_counts(counts: list[int], k: int = 5) -> Table:
    """A one-way table: the counts and their total."""
    return _suppressed(one_way(counts), False, k)


def suppress_grid(counts: list[list[int]], k: int = 5) -> Table:
    """A two-way table: the counts, row totals, column totals, grand total."""
    return _suppressed(two_way(counts), True, k)


def _suppressed(values: list[list[int]], is_two_way: bool, k: int) -> Table:
    """`suppress()`'s answer depends on the counts and k alone, and working
    it out for a breakdown's grid (gender x county: 240 counts) takes ~12 ms
    of Python on this CPU: each worker keeps the answers for the tables it
    last showed (_hidden_cells); every call gets a table of its own."""
    key = tuple(tuple(row) for row in values)
    return Table(values, is_two_way, dict(_hidden_cells(key, is_two_way, k)))


@lru_cache(maxsize=256)
def _hidden_cells(values: tuple, is_two_way: bool, k: int) -> tuple:
    table = suppress(Table([list(row) for row in values], is_two_way), k)
    return tuple(table.hidden.items())


def suppress(table: Table, k: int = 5) -> Table:
    for cell in table.cells():
        if table.value(cell) < k:
            table.hidden[cell] = PRIMARY
    safe = set()       # hiding more never takes a cycle away: safe stays safe
    while True:
        unsure = sorted(set(table.hidden) - safe)
        if not unsure:
            return table
        for cell in unsure:
            if not exposed(table, cell, k):
                safe.add(cell)
                continue
            choice = _next_to_hide(table, cell, k)
            if not choice:       # nothing shown is left that could protect it
                for other in table.cells():
                    table.hidden.setdefault(other, SECONDARY)
                return table
            for other in choice:
                table.hidden[other] = SECONDARY
            break


def _ends(table: Table, cell):
    """The two balances a count takes part in: its row and its column. In a
    one-way table a count's row has no total (GROUND: nothing to balance)."""
    i, j = cell
    return (("r", i) if table.two_way else GROUND), ("c", j)


def _sign(table: Table, cell) -> int:
    """A count enters its balances with +1, a total with -1, the grand
    total (a total of totals) with +1: every balance then sums to zero."""
    i, j = cell
    total_row = i == table.rows - 1
    total_col = table.two_way and j == table.cols - 1
    return -1 if total_row != total_col else 1


def _may_move(table: Table, cell, step: int, k: int) -> bool:
    low, high = (0, k - 1) if table.hidden[cell] == PRIMARY else (k, float("inf"))
    return low <= table.value(cell) + step * _sign(table, cell) <= high


def exposed(table: Table, cell, k: int) -> bool:
    """True when the hidden `cell` can be worked out from what is shown."""
    touching = {}
    for other in table.hidden:
        if other != cell:
            for end in _ends(table, other):
                touching.setdefault(end, []).append(other)
    return not any(_cycle_through(table, cell, step, k, touching) for step in (1, -1))


def _cycle_through(table: Table, cell, step: int, k: int, touching: dict) -> bool:
    """Is there a cycle of hidden counts through `cell`, alternately +step
    (row side to column side) and -step (column side to row side), that
    keeps every count within what the reader knows?"""
    if not _may_move(table, cell, step, k):
        return False
    home, start = _ends(table, cell)
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        for other in touching.get(node, ()):
            row_end, col_end = _ends(table, other)
            if node == col_end and _may_move(table, other, -step, k):
                if row_end == home:
                    return True
                nxt = row_end
            elif node == row_end and _may_move(table, other, step, k):
                nxt = col_end
            else:
                continue
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return False


def _by_preference(table: Table, cells):
    shown = [c for c in cells if c not in table.hidden]
    return sorted(shown, key=lambda c: (table.is_margin(c), table.value(c), c))


def _protects(table: Table, cell, extra, k: int) -> bool:
    for other in extra:
        table.hidden[other] = SECONDARY
    safe = not exposed(table, cell, k)
    for other in extra:
        del table.hidden[other]
    return safe


def _rectangles(table: Table, cell):
    """The other corners of every rectangle through `cell` (two-way tables):
    hiding them closes a cycle of four."""
    i, j = cell
    for i2 in range(table.rows):
        for j2 in range(table.cols):
            if i2 != i and j2 != j:
                corners = [c for c in ((i, j2), (i2, j2), (i2, j)) if c not in table.hidden]
                yield corners


def _next_to_hide(table: Table, cell, k: int) -> list:
    """The counts to hide next for the exposed `cell`: the smallest shown
    count of its row or column that protects it; else the cheapest rectangle
    of counts that does; else the smallest in its row or column (and go on)."""
    row_end, col_end = _ends(table, cell)
    line = _by_preference(table, [c for c in table.cells() if c != cell
                                  and {row_end, col_end} & set(_ends(table, c)) - {GROUND}])
    for candidate in line:
        if _protects(table, cell, [candidate], k):
            return [candidate]
    if table.two_way:
        rectangles = sorted(_rectangles(table, cell), key=lambda corners: (
            sum(table.is_margin(c) for c in corners), sum(table.value(c) for c in corners)))
        for corners in rectangles:
            if corners and _protects(table, cell, corners, k):
                return corners
    if line:
        return line[:1]
    return _by_preference(table, table.cells())[:1]

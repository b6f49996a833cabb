"""Small-number suppression: every count 1-4 is hidden, and no hidden count
can be worked out from what a table shows (a property test over random
tables, checked by a search that shares no code with app/reports)."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from app.reports.suppression import PRIMARY, SECONDARY, suppress_counts, suppress_grid

K = 5
small_or_not = st.one_of(st.integers(0, 6), st.integers(0, 40))


def lines(table):
    """Every balance the reader can use: in a two-way table each row and
    column of the grid with its margins; in a one-way table the column."""
    if not table.two_way:
        return [[(i, 0) for i in range(table.rows)]]
    rows = [[(i, j) for j in range(table.cols)] for i in range(table.rows)]
    cols = [[(i, j) for i in range(table.rows)] for j in range(table.cols)]
    return rows + cols


def signed(table, cell):
    i, j = cell
    total_row = i == table.rows - 1
    total_col = table.two_way and j == table.cols - 1
    return -1 if total_row != total_col else 1


def known_range(table, cell):
    return (0, K - 1) if table.hidden[cell] == PRIMARY else (K, 10 ** 9)


def other_table_exists(table, target) -> bool:
    """Is there a table that agrees with everything shown (counts, totals,
    "<5" = 1..4, "…" = 5 or more) and differs in `target`? Any such table
    is reached from the true one by a change of -1, 0 or +1 in each hidden
    count (a simple cycle of the difference; see suppression.py), so the
    search tries every such change, pruning a balance once all its hidden
    counts have one."""
    hidden = sorted(table.hidden)
    balances = [[c for c in line if c in table.hidden] for line in lines(table)]
    balances = [b for b in balances if b]
    change = {}

    def fits(cell, step):
        low, high = known_range(table, cell)
        return low <= table.value(cell) + step <= high

    def balanced_so_far():
        for balance in balances:
            if all(c in change for c in balance):
                if sum(signed(table, c) * change[c] for c in balance) != 0:
                    return False
        return True

    def search(index):
        if index == len(hidden):
            return change[target] != 0
        cell = hidden[index]
        steps = (-1, 1) if cell == target else (0, -1, 1)
        for step in steps:
            if not fits(cell, step):
                continue
            change[cell] = step
            if balanced_so_far() and search(index + 1):
                return True
            del change[cell]
        return False

    return search(0)


def check(table):
    for cell in table.cells():
        value = table.value(cell)
        if value < K:
            assert table.hidden.get(cell) == PRIMARY, (cell, value)
        if table.hidden.get(cell) == SECONDARY:
            assert value >= K
    for cell in table.hidden:
        assert other_table_exists(table, cell), (table.values, table.hidden, cell)


@settings(max_examples=400, deadline=None)
@given(st.lists(small_or_not, min_size=1, max_size=8))
def test_one_way_tables_hide_every_small_count_for_good(counts):
    check(suppress_counts(counts, K))


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 4).flatmap(lambda cols: st.lists(
    st.lists(small_or_not, min_size=cols, max_size=cols), min_size=1, max_size=4)))
def test_two_way_tables_hide_every_small_count_for_good(counts):
    check(suppress_grid(counts, K))


def test_one_hidden_count_takes_the_smallest_other_that_protects_it_with_it():
    table = suppress_counts([12, 3, 40, 7], K)
    assert table.hidden == {(1, 0): PRIMARY, (3, 0): SECONDARY}
    assert [table.shown((i, 0)) for i in range(5)] == [12, PRIMARY, 40, SECONDARY, 62]


def test_a_secondary_that_would_give_the_count_away_is_passed_over():
    # Hiding the 5 next to the 0 tells the reader: two hidden counts make 5,
    # one is "<5", the other "5 or more": 0 and 5. The 20 protects it.
    table = suppress_counts([0, 5, 20], K)
    assert table.hidden == {(0, 0): PRIMARY, (2, 0): SECONDARY}


def test_zeros_are_small_numbers_too():
    table = suppress_counts([0, 25, 30], K)
    assert table.hidden == {(0, 0): PRIMARY, (1, 0): SECONDARY}


def test_a_table_without_small_numbers_shows_everything():
    assert suppress_grid([[10, 25, 30], [12, 9, 41]], K).hidden == {}


def test_a_total_under_five_is_hidden_too():
    table = suppress_counts([0, 3, 0], K)
    assert table.hidden.get((3, 0)) == PRIMARY


def test_a_county_by_gender_table_leaves_nothing_exposed():
    """47 counties x 4 genders, mostly small: every small count hidden, and
    none of the hidden ones exposed (the independent search above is too
    slow for a table this size; the property tests cover it on small ones)."""
    import random

    from app.reports.suppression import exposed
    rng = random.Random(7)
    counts = [[rng.choice([0, 0, 0, 1, 2, 6, 15, 40]) for _ in range(4)] for _ in range(47)]
    table = suppress_grid(counts, K)
    for cell in table.cells():
        if table.value(cell) < K:
            assert table.hidden.get(cell) == PRIMARY
    assert not [cell for cell in table.hidden if exposed(table, cell, K)]


def test_a_table_shown_again_is_suppressed_the_same_and_is_its_own():
    """Each worker keeps the answers for the tables it showed: the same
    counts give the same hidden cells, in a table each caller may change."""
    counts = [[0, 12, 30], [7, 2, 41], [15, 16, 3]]
    first = suppress_grid(counts, K)
    expected = dict(first.hidden)
    first.hidden[(9, 9)] = SECONDARY            # a caller changing its own table
    first.values[0][0] = 99
    again = suppress_grid(counts, K)
    assert again.hidden == expected and again.values[0][0] == 0
    check(again)
    assert suppress_grid(counts, 3).hidden != expected       # k is part of the question

"""Run a metric for a period, filtered and broken down, in one SQL query.

A module's `compute(period, scope)` builds the query of the rows it counts
and ends with `scope.count(query, member=...)` or `scope.total(...)`. The
scope wraps that query:

    SELECT <breakdown columns>, COUNT(DISTINCT r.member_id) | COUNT(*) | SUM(r.amount)
      FROM (<the module's query>) AS r
      JOIN member AS m ON m.id = r.member_id            -- only when filtered or split
     WHERE <filters on m and on programmes>
     GROUP BY <breakdown columns>

so rows never come into Python. With no breakdown it returns one number;
with one or two it returns {(value,) or (value, value): number}, leaving
out the combinations that have no rows (they are 0).
"""
from __future__ import annotations

import peewee as pw

from app.db import db
from app.registry import PEOPLE

MEMBER_DIMENSIONS = ("gender", "age_band", "county", "referral_source", "cohort")
COHORT_YEARS = 6        # the last six years each, then "earlier"


class ScopeError(ValueError):
    """A metric asked to do what it cannot (a programming error)."""


def age_band_expression(member, period) -> pw.Node:
    """The member's age band: the one recorded, else worked out from the
    year of birth at the end of the period ("" when neither is known)."""
    age = period.end.year - member.birth_year
    return pw.Case(None, [
        (member.age_band != "", member.age_band),
        (member.birth_year.is_null(), ""),
        (age < 18, "under_18"),
        (age < 25, "18_24"),
        (age < 35, "25_34"),
        (age < 45, "35_44"),
    ], "45_plus")


def cohort_expression(member, period) -> pw.Node:
    """The year the member joined, or "earlier" before the last six years
    (counted back from the end of the period)."""
    import datetime as dt

    from app.db import year_of
    first = dt.date(period.end.year - COHORT_YEARS + 1, 1, 1)
    return pw.Case(None, [(member.joined_on < first, "earlier")], year_of(member.joined_on))


class Scope:
    """Filters ({dimension: value}) and breakdowns (up to two dimensions)
    for one metric and period. Values are already checked (services)."""

    def __init__(self, metric, period, filters: dict | None = None, by: tuple = (),
                 programmes: dict | None = None):
        self.metric = metric
        self.period = period
        self.filters = dict(filters or {})
        self.by = tuple(by)
        self.programmes = programmes or {}
        if len(self.by) > 2 or len(set(self.by)) != len(self.by):
            raise ScopeError("one or two different breakdowns at a time")
        # (breakdown values) -> people or rows behind the number there.
        self.support: dict[tuple, int] = {}

    # --- what metrics call ---------------------------------------------------
    def count(self, query, member=None):
        """Rows of `query` (EVENTS) or distinct members (PEOPLE).
        `member`: the field holding the member id, or the name of the column
        a compound query (a UNION) already selects it as."""
        return self._run(query, member, None)

    def total(self, query, amount, member=None, people=None):
        """The sum of `amount` over the rows of `query` (e.g. KES cents).
        `people`: for rows that are kept figures rather than a person's
        records (a daily portfolio summary), the column saying how many
        people each row stands for; the suppression rule sums it."""
        if self.metric.counts == PEOPLE:
            raise ScopeError(f"{self.metric.key}: a total counts events, not people")
        return self._run(query, member, amount, people)

    # --- how -------------------------------------------------------------------
    def _run(self, query, member, amount, people=None):
        needs_member = bool(self.filters or self.by) or self.metric.counts == PEOPLE
        if needs_member and member is None:
            raise ScopeError(f"{self.metric.key}: cannot filter or count people without member=")
        if "programme" in self.by:
            return self._by_programme(query, member, amount, people)
        return self._query(query, member, amount, self.filters, self.by, people)

    def _by_programme(self, query, member, amount, people=None):
        """One query per programme (a member may take part in several)."""
        position = self.by.index("programme")
        others = tuple(d for d in self.by if d != "programme")
        cells = {}
        support, self.support = self.support, {}

        def placed(values: tuple, key: str) -> tuple:
            cell = list(values)
            cell.insert(position, key)
            return tuple(cell)

        for key in self.programmes:
            filters = dict(self.filters, programme=key)
            result = self._query(query, member, amount, filters, others, people)
            if not others:
                result = {(): result} if self.support.get((), 0) else {}
            for values, number in result.items():
                cells[placed(values, key)] = number
            support.update((placed(values, key), n) for values, n in self.support.items() if n)
            self.support = {}
        self.support = support
        return cells

    def _query(self, query, member, amount, filters: dict, by: tuple, people=None):
        columns = []
        if isinstance(member, str):
            inner = query
        else:
            if member is not None:
                columns.append(member.alias("member_id"))
            if amount is not None:
                columns.append(amount.alias("amount"))
            if people is not None:
                columns.append(people.alias("people"))
            inner = query.select(*(columns or [pw.SQL("1")]))
        rows = inner.alias("r")
        from app.members.models import Member
        m = Member.alias("m")
        dims = {"gender": m.gender, "county": m.county, "referral_source": m.referral_source,
                "age_band": age_band_expression(m, self.period),
                "cohort": cohort_expression(m, self.period)}
        if amount is not None:
            aggregate = pw.fn.COALESCE(pw.fn.SUM(rows.c.amount), 0)
        elif self.metric.counts == PEOPLE:
            aggregate = pw.fn.COUNT(rows.c.member_id.distinct())
        else:
            aggregate = pw.fn.COUNT(pw.SQL("*"))
        # How many people a sum rests on (a sum is not a count: it is shown
        # only when at least k people are behind it).
        if people is not None:
            behind = pw.fn.COALESCE(pw.fn.SUM(rows.c.people), 0)
        elif member is not None:
            behind = pw.fn.COUNT(rows.c.member_id.distinct())
        else:
            behind = pw.fn.COUNT(pw.SQL("*"))
        support = [behind] if amount is not None else []
        group = [dims[d] for d in by]
        select = pw.Select([rows], group + [aggregate] + support)
        if any(d in MEMBER_DIMENSIONS for d in list(filters) + list(by)):
            select = select.join(m, on=(rows.c.member_id == m.id))
        for dimension, value in filters.items():
            if dimension == "programme":
                select = select.where(rows.c.member_id.in_(
                    self.programmes[value].members(self.period)))
            elif dimension == "referral_source" and value is None:
                select = select.where(m.referral_source.is_null())
            else:
                select = select.where(dims[dimension] == value)
        if group:
            select = select.group_by(*group)
        width = len(group)
        result = list(select.bind(db).tuples().execute())
        if not by:
            row = result[0] if result else (0, 0)
            self._note_support((), row, width, amount)
            return int(row[width] or 0)
        cells = {}
        for row in result:
            if row[width + (1 if amount is not None else 0)]:
                cells[tuple(row[:width])] = int(row[width] or 0)
                self._note_support(tuple(row[:width]), row, width, amount)
        return cells

    def _note_support(self, key, row, width, amount) -> None:
        """Remember how many people (or rows) stand behind each number."""
        self.support[key] = (
            int(row[width + 1] or 0) if amount is not None else int(row[width] or 0))

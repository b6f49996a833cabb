"""Allocation of what a member has paid to what they owe: pure functions.

The rule: money pays the oldest installment first; within an installment
it goes to its parts in the product's order (default fees -> interest ->
principal; a late fee, when a product has one, is paid with the fees, just
before them). What is paid beyond the next installment pays the ones after
it; what is paid beyond everything owed is the member's credit.

Because the rule walks installments in date order, the allocation depends
only on the total paid so far, never on how the payments were split or in
which order they were recorded. So the principal repaid "as of" any date
is the allocation of the total paid by that date, and a reversal simply
lowers the total: there is nothing to replay.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

PARTS = ("fee", "interest", "principal")
ORDERS = ("fee,interest,principal", "interest,fee,principal", "interest,principal,fee",
          "fee,principal,interest", "principal,interest,fee", "principal,fee,interest")
DEFAULT_ORDER = ORDERS[0]


@functools.lru_cache(maxsize=None)
def components(order: str) -> tuple[str, ...]:
    """'fee,interest,principal' -> ('penalty', 'fee', 'interest', 'principal')."""
    out: list[str] = []
    for part in order.split(","):
        out += ["penalty", "fee"] if part == "fee" else [part]
    return tuple(out)


@dataclass(slots=True)
class Due:
    """One installment as owed: its parts, late fees included."""
    number: int
    due_on: dt.date
    principal: int
    interest: int
    fee: int
    penalty: int = 0

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee + self.penalty


@dataclass
class Position:
    """Where a loan stands once `paid` is allocated."""
    dues: list[Due]
    paid: int
    paid_by_installment: list[int]
    paid_parts: dict[str, int] = field(default_factory=dict)
    credit: int = 0
    first_unpaid: Due | None = None
    parts: tuple[str, ...] = components(DEFAULT_ORDER)

    @property
    def total_due(self) -> int:
        return sum(d.total for d in self.dues)

    @property
    def principal_outstanding(self) -> int:
        return sum(d.principal for d in self.dues) - self.paid_parts.get("principal", 0)

    def left_on(self, index: int) -> int:
        return self.dues[index].total - self.paid_by_installment[index]

    def overdue_cents(self, on: dt.date) -> int:
        """What was due before `on` and is not paid."""
        return sum(self.left_on(i) for i, d in enumerate(self.dues) if d.due_on < on)

    def days_in_arrears(self, on: dt.date) -> int:
        first = self.first_unpaid
        return (on - first.due_on).days if first and first.due_on < on else 0

    def next_due(self, on: dt.date) -> tuple[Due, int] | None:
        """The first installment not fully paid (overdue or not) and what is left of it."""
        for i, due in enumerate(self.dues):
            left = self.left_on(i)
            if left > 0:
                return due, left
        return None

    def unpaid_parts(self, before: dt.date | None = None) -> dict[str, int]:
        """Unpaid amount per part, of installments due before `before` (all if None)."""
        order = ("penalty", "fee", "interest", "principal")
        owed = {part: 0 for part in order}
        for i, due in enumerate(self.dues):
            if before is not None and due.due_on >= before:
                continue
            split = self.split(i)
            for part in order:
                owed[part] += getattr(due, part) - split[part]
        return owed

    def split(self, index: int) -> dict[str, int]:
        """How the payments allocated to one installment divide over its parts."""
        due, left = self.dues[index], self.paid_by_installment[index]
        out = {}
        for part in self.parts:
            take = min(left, getattr(due, part))
            out[part] = take
            left -= take
        return out


def allocate(dues: list[Due], order: str, paid: int) -> Position:
    """Allocate a total `paid` (cents, >= 0) over `dues` (in date order).
    Installments are paid whole, oldest first, until the money runs short;
    the one it runs short on is split over its parts in `order`; the rest
    get nothing (so the loop stops there)."""
    parts = components(order)
    left = max(0, paid)
    by_installment: list[int] = []
    principal = interest = fee = penalty = 0
    first_unpaid = None
    for index, due in enumerate(dues):
        total = due.principal + due.interest + due.fee + due.penalty
        if left >= total:
            by_installment.append(total)
            left -= total
            principal += due.principal
            interest += due.interest
            fee += due.fee
            penalty += due.penalty
            continue
        first_unpaid = due
        by_installment.append(left)
        totals = {"principal": principal, "interest": interest, "fee": fee, "penalty": penalty}
        for part in parts:
            take = min(left, getattr(due, part))
            totals[part] += take
            left -= take
        by_installment.extend([0] * (len(dues) - index - 1))
        return Position(dues, max(0, paid), by_installment, totals, 0, first_unpaid, parts)
    totals = {"principal": principal, "interest": interest, "fee": fee, "penalty": penalty}
    return Position(dues, max(0, paid), by_installment, totals, left, first_unpaid, parts)

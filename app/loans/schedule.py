"""Repayment schedules: pure functions, no database.

The rounding rule (the one the centre explains to members):
- Every installment is a whole number of shillings, except the last,
  which absorbs whatever the rounding left over, so the parts add up to the
  loan to the cent.
- Flat interest: interest per period = amount x rate. The principal and the
  interest are each spread evenly over the repaying installments, each part
  rounded half up to a whole shilling (rounded down instead when rounding
  up would leave the last installment negative).
- Declining balance: the installment is the annuity payment
  P x i / (1 - (1 + i)^-n), rounded half up to a whole shilling (down
  when rounding up, repeated, would repay too much before the last); each
  period's interest is the remaining principal x rate, rounded half up to
  the cent; the rest of the installment repays principal.
- Grace installments repay no principal. If the product charges interest in
  grace, each carries one period's interest on the full amount, rounded to
  a whole shilling; if not, there is no installment in grace at all: the
  first one falls after the grace periods.
- A one-off fee is part of the first installment.
- Due dates fall every week, two weeks or month after the disbursement
  (a month keeps the day of the month, or the month's last day); a date on
  a Sunday or a public holiday moves to the next working day.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from dateutil.relativedelta import relativedelta

from app.i18n import lazy_gettext as _l
from app.money import floor_shilling, round_cents, round_shilling
from app.rules import RuleError

METHODS = ("flat", "declining")
FREQUENCIES = ("weekly", "fortnightly", "monthly")
MAX_TERM = 104            # two years of weekly installments
MAX_RATE_BP = 2000        # 20.00 % per period
BASIS = Decimal(10000)    # rate_bp / BASIS = rate as a fraction (150 -> 0.015)


class ScheduleError(RuleError):
    """The terms cannot give a schedule (e.g. too small for so many installments)."""


@dataclass(frozen=True)
class Terms:
    """What decides a schedule: copied from the product onto the loan."""
    method: str
    rate_bp: int             # per period, hundredths of a percent (150 = 1.50 %)
    frequency: str
    term: int                # installments, grace ones included
    grace: int = 0
    interest_in_grace: bool = False
    fee_cents: int = 0

    @property
    def rate(self) -> Decimal:
        return Decimal(self.rate_bp) / BASIS


@dataclass(frozen=True)
class Row:
    number: int
    due_on: dt.date
    principal_cents: int
    interest_cents: int
    fee_cents: int

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.fee_cents


def check_terms(terms: Terms) -> None:
    if terms.method not in METHODS:
        raise ScheduleError(_l("Choose from the list."), "interest_method")
    if terms.frequency not in FREQUENCIES:
        raise ScheduleError(_l("Choose from the list."), "frequency")
    if not 1 <= terms.term <= MAX_TERM:
        raise ScheduleError(_l("The number of installments must be between 1 and %(max)d.",
                               max=MAX_TERM), "term")
    if not 0 <= terms.grace < terms.term:
        raise ScheduleError(_l("The grace period must be shorter than the loan."), "term")
    if not 0 <= terms.rate_bp <= MAX_RATE_BP:
        raise ScheduleError(_l("The rate must be between 0 and 20 % per period."), "rate")
    if terms.fee_cents < 0:
        raise ScheduleError(_l("The fee cannot be negative."), "fee")


def nominal_date(start: dt.date, frequency: str, k: int) -> dt.date:
    if frequency == "weekly":
        return start + dt.timedelta(weeks=k)
    if frequency == "fortnightly":
        return start + dt.timedelta(weeks=2 * k)
    return start + relativedelta(months=k)


def next_working_day(day: dt.date, is_holiday: Callable[[dt.date], bool]) -> dt.date:
    while day.weekday() == 6 or is_holiday(day):
        day += dt.timedelta(days=1)
    return day


def due_dates(start: dt.date, frequency: str, count: int,
              is_holiday: Callable[[dt.date], bool], first: int = 1) -> list[dt.date]:
    return [next_working_day(nominal_date(start, frequency, k), is_holiday)
            for k in range(first, first + count)]


def last_nominal_date(start: dt.date, frequency: str, term: int) -> dt.date:
    return nominal_date(start, frequency, term)


def _even_parts(total: int, count: int) -> list[int]:
    """`total` cents in `count` parts: whole shillings, the last absorbs the rest."""
    part = round_shilling(Decimal(total) / count)
    if part * (count - 1) > total:
        part = floor_shilling(Decimal(total) / count)
    return [part] * (count - 1) + [total - part * (count - 1)]


def _flat(principal: int, rate: Decimal, repaying: int) -> list[tuple[int, int]]:
    interest_total = round_cents(Decimal(principal) * rate * repaying)
    return list(zip(_even_parts(principal, repaying), _even_parts(interest_total, repaying)))


def annuity_payment(principal: int, rate: Decimal, periods: int) -> Decimal:
    """Exact installment in cents (Decimal) of an annuity."""
    if rate == 0:
        return Decimal(principal) / periods
    return Decimal(principal) * rate / (1 - (1 + rate) ** -periods)


def _annuity_rows(principal: int, rate: Decimal, repaying: int, payment: int
                  ) -> list[tuple[int, int]]:
    rows, balance = [], principal
    for k in range(1, repaying + 1):
        interest = round_cents(Decimal(balance) * rate)
        part = balance if k == repaying else payment - interest
        rows.append((part, interest))
        balance -= part
    return rows


def _declining(principal: int, rate: Decimal, repaying: int) -> list[tuple[int, int]]:
    exact = annuity_payment(principal, rate, repaying)
    rows = _annuity_rows(principal, rate, repaying, round_shilling(exact))
    if any(part < 0 for part, _interest in rows):
        # Rounding up, repeated over many installments, repaid too much
        # before the last: round down instead (the last is a little larger).
        rows = _annuity_rows(principal, rate, repaying, floor_shilling(exact))
    return rows


def build(principal_cents: int, terms: Terms, start: dt.date,
          is_holiday: Callable[[dt.date], bool] = lambda day: False) -> list[Row]:
    """The schedule of a loan of `principal_cents` disbursed on `start`."""
    check_terms(terms)
    if principal_cents <= 0:
        raise ScheduleError(_l("The amount must be more than zero."), "amount")
    repaying = terms.term - terms.grace
    rate = terms.rate
    parts = (_flat if terms.method == "flat" else _declining)(principal_cents, rate, repaying)
    grace_interest = round_shilling(Decimal(principal_cents) * rate)
    lines: list[tuple[int, int, int]] = []      # (period k, principal, interest)
    if terms.interest_in_grace and grace_interest:
        lines += [(k, 0, grace_interest) for k in range(1, terms.grace + 1)]
    lines += [(terms.grace + i, p, q) for i, (p, q) in enumerate(parts, start=1)]
    rows = []
    for number, (k, principal, interest) in enumerate(lines, start=1):
        due = next_working_day(nominal_date(start, terms.frequency, k), is_holiday)
        rows.append(Row(number, due, principal, interest, terms.fee_cents if number == 1 else 0))
    if any(min(r.principal_cents, r.interest_cents) < 0 or r.total_cents <= 0 for r in rows):
        raise ScheduleError(_l("This amount is too small for so many installments."), "amount")
    return rows


@dataclass(frozen=True)
class Summary:
    principal_cents: int
    interest_cents: int
    fee_cents: int
    installments: int
    first_due: dt.date | None
    last_due: dt.date | None
    regular_cents: int       # the usual installment (the second, or the only one)

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.fee_cents


def summarise(rows: list[Row]) -> Summary:
    middle = [r.total_cents for r in rows[1:-1] if r.principal_cents > 0]
    regular = middle[0] if middle else (rows[-1].total_cents if rows else 0)
    return Summary(sum(r.principal_cents for r in rows), sum(r.interest_cents for r in rows),
                   sum(r.fee_cents for r in rows), len(rows),
                   rows[0].due_on if rows else None, rows[-1].due_on if rows else None, regular)

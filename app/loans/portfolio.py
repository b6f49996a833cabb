"""Arrears, ageing and portfolio at risk (PAR).

Days in arrears of a loan on a day D: D minus the due date of its oldest
installment not fully paid by D (0 when that installment is not yet due).
PAR>0, PAR30 and PAR90 on D: the outstanding principal of loans more than
0, 30 and 90 days in arrears, as a share of all outstanding principal.
Ageing buckets: 1-30, 31-60, 61-90 and over 90 days.

Two ways to the same figures:
- today: from what every ledger write keeps on the loan (`first_unpaid_on`,
  `principal_outstanding_cents`), in one SQL query;
- as of any past day: from the ledger itself, replaying nothing: the total
  each member had paid by D is allocated to the schedule in force on D
  (app/loans/allocation.py). A test checks both agree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from peewee import Case, fn

from app.clock import utcnow
from app.db import db
from app.figures import kept
from app.loans import ledger
from app.loans.allocation import Due, allocate
from app.loans.models import Installment, LedgerEntry, Loan, PortfolioDay, Schedule
from app.rules import today

BUCKETS = ((1, 30), (31, 60), (61, 90), (91, None))
THRESHOLDS = (0, 30, 90)


@dataclass
class Bucket:
    low: int
    high: int | None
    loans: int = 0
    principal_cents: int = 0


@dataclass
class Figures:
    on: dt.date
    active_loans: int = 0
    outstanding_cents: int = 0
    at_risk_cents: dict[int, int] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS, 0))
    at_risk_loans: dict[int, int] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS, 0))
    buckets: list[Bucket] = field(default_factory=lambda: [Bucket(lo, hi) for lo, hi in BUCKETS])

    def par(self, days: int) -> Decimal:
        """PAR as a percentage (one decimal)."""
        if not self.outstanding_cents:
            return Decimal("0.0")
        share = Decimal(self.at_risk_cents[days] * 100) / Decimal(self.outstanding_cents)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def add(self, principal: int, days: int, loans: int = 1) -> None:
        """Count `loans` loans with `principal` outstanding, `days` in arrears."""
        if principal <= 0:
            return
        self.active_loans += loans
        self.outstanding_cents += principal
        for threshold in THRESHOLDS:
            if days > threshold:
                self.at_risk_cents[threshold] += principal
                self.at_risk_loans[threshold] += loans
        for bucket in self.buckets:
            if days >= bucket.low and (bucket.high is None or days <= bucket.high):
                bucket.loans += loans
                bucket.principal_cents += principal


# --- today, from the loans' kept figures ------------------------------------------------



def figures_today(on: dt.date | None = None) -> Figures:
    """Today's figures from the kept columns, in one query that an index
    answers: active loans counted and summed per bucket (0: not behind,
    1: 1-30 days, 2: 31-60, 3: 61-90, 4: over 90)."""
    on = on or today()
    first = Loan.first_unpaid_on
    bucket = Case(None, [(first < on - dt.timedelta(days=90), 4),
                         (first < on - dt.timedelta(days=60), 3),
                         (first < on - dt.timedelta(days=30), 2),
                         (first < on, 1)], 0)
    rows = (Loan.select(bucket, fn.COUNT(Loan.id), fn.SUM(Loan.principal_outstanding_cents))
            .where((Loan.status == "active") & (Loan.principal_outstanding_cents > 0))
            .group_by(bucket))
    figures = Figures(on)
    for index, loans, principal in db.execute(rows):
        figures.add(int(principal or 0), (0, 1, 31, 61, 91)[index], int(loans))
    return figures


# --- any day, from the ledger ------------------------------------------------------------

def figures_as_of(on: dt.date) -> Figures:
    """The figures at the end of `on`, computed from the ledger and the
    schedules in force that day: the total each loan had been paid by then,
    allocated by the one allocation rule (about 0.4 s for 5,000 loans and
    100,000 entries here). Rows are read as the database gives them: the
    allocation needs no model objects."""
    in_force = _schedules_in_force(on)
    figures = Figures(on)
    if not in_force:
        return figures
    paid = _paid_by(on)
    late = _late_fees_by(on)
    current, dues = None, []
    for schedule_id, number, due_on, principal, interest, fee in _installments_by(on):
        if schedule_id != current:
            _add_loan(figures, in_force.get(current), dues, paid, on)
            current, dues = schedule_id, []
        dues.append(Due(number, due_on, principal, interest, fee,
                        late.get((schedule_id, number), 0)))
    _add_loan(figures, in_force.get(current), dues, paid, on)
    return figures


def _add_loan(figures: Figures, loan: tuple | None, dues: list[Due], paid: dict,
              on: dt.date) -> None:
    if loan is None or not dues:
        return
    loan_id, order = loan
    pos = allocate(dues, order, paid.get(loan_id, 0))
    first = pos.first_unpaid
    due_on = _as_date(first.due_on) if first else None
    figures.add(pos.principal_outstanding, (on - due_on).days if due_on and due_on < on else 0)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _live_on(on: dt.date):
    """Loans paid out by `on` and not yet closed or written off then."""
    return (Loan.disbursed_on <= on) & ~(
        Loan.status.in_(("closed", "written_off")) & (Loan.closed_on <= on))


def _schedules_in_force(on: dt.date) -> dict[int, tuple[int, str]]:
    """schedule id -> (loan id, allocation order), for the schedule each
    loan had on `on` (its latest version in force by then)."""
    query = (Schedule.select(Schedule.id, Schedule.loan, Loan.allocation_order)
             .join(Loan, on=(Schedule.loan == Loan.id))
             .where((Schedule.effective_on <= on) & _live_on(on))
             .order_by(Schedule.loan, Schedule.version))
    latest: dict[int, tuple[int, str]] = {}
    for schedule_id, loan_id, order in db.execute(query):
        latest[loan_id] = (schedule_id, order)
    return {schedule_id: (loan_id, order) for loan_id, (schedule_id, order) in latest.items()}


def _installments_by(on: dt.date):
    """Installments of every schedule in force by `on` (older versions too:
    the caller keeps those in force), in schedule and number order."""
    query = (Installment.select(Installment.schedule, Installment.number, Installment.due_on,
                                Installment.principal_cents, Installment.interest_cents,
                                Installment.fee_cents)
             .join(Schedule, on=(Installment.schedule == Schedule.id))
             .join(Loan, on=(Schedule.loan == Loan.id))
             .where((Schedule.effective_on <= on) & _live_on(on))
             .order_by(Installment.schedule, Installment.number))
    return db.execute(query)


def _paid_by(on: dt.date) -> dict[int, int]:
    """loan id -> repayments less their reversals and refunds, counted by `on`."""
    original = LedgerEntry.reverses.is_null()
    signed = Case(None, [
        ((LedgerEntry.kind == "repayment") & original, LedgerEntry.amount_cents),
        ((LedgerEntry.kind == "refund") & ~original, LedgerEntry.amount_cents)],
        LedgerEntry.amount_cents * -1)
    query = (LedgerEntry.select(LedgerEntry.loan, fn.SUM(signed))
             .where(LedgerEntry.kind.in_(("repayment", "refund")) & (LedgerEntry.value_on <= on))
             .group_by(LedgerEntry.loan))
    return {loan_id: int(total or 0) for loan_id, total in db.execute(query)}


def _late_fees_by(on: dt.date) -> dict[tuple[int, int], int]:
    query = (LedgerEntry.select(LedgerEntry.schedule, LedgerEntry.installment_number,
                                LedgerEntry.reverses.is_null(), LedgerEntry.amount_cents)
             .where((LedgerEntry.kind == "penalty") & (LedgerEntry.value_on <= on)).tuples())
    out: dict[tuple[int, int], int] = {}
    for schedule_id, number, original, amount in query:
        key = (schedule_id, number)
        out[key] = out.get(key, 0) + (amount if original else -amount)
    return out


# --- the daily run: overdue installments, late fees, the day's figures ---------------------

DAILY_TASK = "loans.daily"
CATCH_UP_DAYS = 31      # after a long stop, the figures of at most this many past days


def last_daily_day() -> dt.date | None:
    from app.loans.models import TaskRun
    row = TaskRun.get_or_none(TaskRun.name == DAILY_TASK)
    return row.last_day if row else None


def daily_is_due(now_day: dt.date) -> bool:
    last = last_daily_day()
    return last is None or last < now_day


def run_daily_if_due(on: dt.date | None = None) -> dict | None:
    """Hourly from the worker: the work runs once a local day, and the
    first hour after the Pi was off it catches up on the days it missed."""
    on = on or today()
    if not daily_is_due(on):
        return None
    return run_daily(on)


def run_daily(on: dt.date) -> dict:
    from app.loans.models import TaskRun
    last = last_daily_day()
    # The last run kept the days before it ran; its own day was not over.
    first = max(last or on - dt.timedelta(days=1), on - dt.timedelta(days=CATCH_UP_DAYS))
    charged = charge_late_fees(on, last)
    refreshed = refresh_overdue(on)
    kept = 0
    day = first
    while day < on:                       # whole days only: today is not over yet
        keep_day(day)
        kept += 1
        day += dt.timedelta(days=1)
    with db.atomic():
        row = TaskRun.get_or_none(TaskRun.name == DAILY_TASK) or TaskRun(name=DAILY_TASK)
        row.last_success_at, row.last_day = utcnow(), on
        row.save()
    return {"late_fees": charged, "loans_refreshed": refreshed, "days_kept": kept}


def keep_day(day: dt.date) -> PortfolioDay:
    """Store the figures at the end of `day` (from the ledger)."""
    figures = figures_as_of(day)
    values = {"active_loans": figures.active_loans, "outstanding_cents": figures.outstanding_cents,
              "par1_cents": figures.at_risk_cents[0], "par30_cents": figures.at_risk_cents[30],
              "par90_cents": figures.at_risk_cents[90], "computed_at": utcnow()}
    with db.atomic():
        PortfolioDay.insert(day=day, **values).on_conflict(
            conflict_target=[PortfolioDay.day], update=values).execute()
    return PortfolioDay.get(PortfolioDay.day == day)


def refresh_overdue(on: dt.date) -> int:
    """Installments that fell due unpaid become overdue, and each loan's
    overdue amount follows: only loans with an installment due before
    today and not paid (each in its own short transaction)."""
    ids = [row[0] for row in Loan.select(Loan.id).where(
        (Loan.status == "active") & (Loan.first_unpaid_on < on)).tuples()]
    for loan_id in ids:
        with db.atomic():
            ledger.refresh(ledger.locked(loan_id), on)
    return len(ids)


def charge_late_fees(on: dt.date, since: dt.date | None = None) -> int:
    """A product's late fee (none by default), once per installment still
    unpaid `penalty_after_days` after it fell due, dated that day: a Pi
    that was off charges what it would have charged, no more, no less.
    Days up to `since` were looked at by an earlier run."""
    loans = [row[0] for row in Loan.select(Loan.id).where(
        (Loan.status == "active") & (Loan.penalty_cents > 0)).tuples()]
    charged = 0
    for loan_id in loans:
        with db.atomic():
            loan = ledger.locked(loan_id)
            schedule = ledger.schedule_of(loan)
            done = set(ledger.penalties(schedule.id))
            for row in ledger.installments(schedule.id):
                falls_on = row.due_on + dt.timedelta(days=loan.penalty_after_days)
                if falls_on > on or (since and falls_on <= since) or row.number in done \
                        or not _unpaid_on(loan, schedule,
                                      row.number, falls_on):
                    continue
                ledger.post(loan, "penalty", loan.penalty_cents, falls_on, None,
                            schedule=schedule.id, installment_number=row.number,
                            reason="late fee")
                charged += 1
            ledger.refresh(loan, on)
    return charged


def _unpaid_on(loan: Loan, schedule: Schedule, number: int, day: dt.date) -> bool:
    """Was installment `number` of `schedule` still unpaid at the end of `day`?"""
    in_force = ledger.schedule_of(loan, day)
    if in_force is None or in_force.id != schedule.id:
        return False
    then = ledger.position(loan, day)
    return then.left_on(number - 1) > 0


# --- the finance panel --------------------------------------------------------------------

def month_figures(on: dt.date | None = None) -> dict:
    """Disbursed (count and amount) and repaid this month, applications waiting."""
    on = on or today()
    first = on.replace(day=1)
    disbursed = (Loan.select(fn.COUNT(Loan.id), fn.SUM(Loan.amount_cents))
                 .where((Loan.disbursed_on >= first) & (Loan.disbursed_on <= on)).tuples().first())
    original = LedgerEntry.reverses.is_null()
    repaid = (LedgerEntry.select(fn.SUM(Case(None, [(original, LedgerEntry.amount_cents)],
                                             LedgerEntry.amount_cents * -1)))
              .where((LedgerEntry.kind == "repayment") & (LedgerEntry.value_on >= first)
                     & (LedgerEntry.value_on <= on)).scalar())
    waiting = dict(Loan.select(Loan.status, fn.COUNT(Loan.id))
                   .where(Loan.status.in_(("applied", "approved"))).group_by(Loan.status).tuples())
    return {"disbursed_count": int(disbursed[0] or 0), "disbursed_cents": int(disbursed[1] or 0),
            "repaid_cents": int(repaid or 0), "applied": waiting.get("applied", 0),
            "approved": waiting.get("approved", 0)}


def recent_figures() -> tuple[Figures, dict]:
    """(today's figures, this month's) as the portfolio page and the finance
    panel show them: totals of the whole book, computed at most once a
    minute per web worker (app.figures.kept: numbers only). It saves about
    half the page's time."""
    return kept("loans.portfolio", lambda: (figures_today(), month_figures()))


def trend(weeks: int = 13) -> list[PortfolioDay]:
    """The kept figures of the last week's days and of each Monday before."""
    on = today()
    days = [on - dt.timedelta(days=n) for n in range(1, 8)]
    monday = on - dt.timedelta(days=on.weekday())
    days += [monday - dt.timedelta(weeks=n) for n in range(1, weeks + 1)]
    return list(PortfolioDay.select().where(PortfolioDay.day.in_(days))
                .order_by(PortfolioDay.day.desc()))

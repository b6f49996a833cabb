"""Loans' figures for the reports (Metric hook, app/registry.py; the seeded
Objective 2 indicators name these keys): loans disbursed (count and KES),
repaid (KES), PAR30 and the outstanding principal it is a share of, and
members' businesses running. Counts and sums only; never a name, a
reference or a note."""
from __future__ import annotations

import peewee as pw

from app.i18n import lazy_gettext as _l
from app.loans.models import (
    Business, BusinessFigure, Installment, LedgerEntry, Loan, PortfolioDay, Schedule)
from app.registry import BREAKDOWNS, EVENTS, Metric, Programme, QualityCheck

CAPABILITY = "reports.loans"
LOANS = ((Loan, ("disbursed_on", "closed_on")),)
REPAYMENTS = ((LedgerEntry, ("value_on",)),)
PORTFOLIO = ((PortfolioDay, ("day",)),)
BUSINESSES = ((Business, ("started_on",)), (BusinessFigure, ("month",)))


def _disbursed(period):
    return Loan.select().where(Loan.disbursed_on.is_null(False)
                               & period.contains(Loan.disbursed_on))


def disbursed(period, scope):
    """Loans paid out in the period."""
    return scope.count(_disbursed(period), member=Loan.member)


def disbursed_kes(period, scope):
    """The amount paid out in the period (KES cents)."""
    return scope.total(_disbursed(period), Loan.amount_cents, member=Loan.member)


def repaid_kes(period, scope):
    """Repayments with a value date in the period, less their reversals (KES cents)."""
    signed = pw.Case(None, [(LedgerEntry.reverses.is_null(), LedgerEntry.amount_cents)],
                     LedgerEntry.amount_cents * -1)
    query = (LedgerEntry.select().join(Loan)
             .where((LedgerEntry.kind == "repayment") & period.contains(LedgerEntry.value_on)))
    return scope.total(query, signed, member=Loan.member)


def _last_kept_day(period):
    """The portfolio as kept at the end of the last day of the period the
    daily task recorded (none: nothing lent yet, or the Pi was off)."""
    last = (PortfolioDay.select(pw.fn.MAX(PortfolioDay.day))
            .where(period.contains(PortfolioDay.day)))
    return PortfolioDay.select().where(PortfolioDay.day == last)


def par30_kes(period, scope):
    """Outstanding principal of loans more than 30 days behind, at the end
    of the period (KES cents); the PAR30 indicator divides it by the
    outstanding principal."""
    return scope.total(_last_kept_day(period), PortfolioDay.par30_cents,
                       people=PortfolioDay.active_loans)


def outstanding_kes(period, scope):
    """Outstanding principal of all active loans at the end of the period (KES cents)."""
    return scope.total(_last_kept_day(period), PortfolioDay.outstanding_cents,
                       people=PortfolioDay.active_loans)


def businesses_running(period, scope):
    """Members' businesses running during the period: figures recorded for
    one of its months, or running now and started by its end."""
    reported = BusinessFigure.select(BusinessFigure.business).where(
        period.contains(BusinessFigure.month))
    running = (Business.status == "running") & (
        Business.started_on.is_null() | (Business.started_on <= period.end))
    query = Business.select().where(Business.id.in_(reported) | running)
    return scope.count(query, member=Business.member)


def programme_members(period):
    """Borrowers with a loan running at some time in the period."""
    return (Loan.select(Loan.member)
            .where(Loan.disbursed_on.is_null(False)
                   & period.overlaps(Loan.disbursed_on, Loan.closed_on)))


def _metric(key, label, unit, compute, sources, order, breakdowns=BREAKDOWNS, money=False):
    return Metric(f"loans.{key}", label, unit, EVENTS, compute, breakdowns,
                  capability=CAPABILITY, sources=sources, money=money, order=order)


METRICS = [
    _metric("disbursed", _l("Microloans disbursed"), _l("loans"), disbursed, LOANS, 70),
    _metric("disbursed_kes", _l("Amount lent"), _l("KES"), disbursed_kes, LOANS, 71,
            money=True),
    _metric("repaid_kes", _l("Amount repaid"), _l("KES"), repaid_kes, REPAYMENTS, 72,
            money=True),
    _metric("par30_kes", _l("Principal more than 30 days late"), _l("KES"), par30_kes,
            PORTFOLIO, 73, breakdowns=(), money=True),
    _metric("outstanding_kes", _l("Principal outstanding"), _l("KES"), outstanding_kes,
            PORTFOLIO, 74, breakdowns=(), money=True),
    _metric("businesses_running", _l("Members' businesses running"), _l("businesses"),
            businesses_running, BUSINESSES, 75),
]
PROGRAMMES = [Programme("loans", _l("Microloans"), programme_members, 50)]


# --- data quality (QualityCheck hook) -------------------------------------------

def _current_installments():
    """The installments of the loan's current schedule (correlated with Loan)."""
    return (Installment.select(Installment.id).join(Schedule)
            .where((Schedule.loan == Loan.id) & (Schedule.version == Loan.schedule_version)))


def _paid_out():
    return Loan.select().where(Loan.disbursed_on.is_null(False))


def _unscheduled():
    """Loans paid out with no installment in their current schedule: what
    is due, arrears and PAR cannot be computed for them."""
    return _paid_out().where(~pw.fn.EXISTS(_current_installments()))


def unscheduled_count() -> int:
    return _unscheduled().count()


def unscheduled_items(limit: int) -> list:
    from flask import url_for

    from app.filters import local_date
    from app.i18n import gettext as _
    rows = (_unscheduled().select(Loan.id, Loan.account_ref, Loan.disbursed_on)
            .order_by(Loan.disbursed_on.desc(), Loan.id.desc()).limit(limit))
    return [(_("%(ref)s, paid out %(day)s", ref=row.account_ref, day=local_date(row.disbursed_on)),
             url_for("loans.show", loan_id=row.id)) for row in rows]


def unscheduled_monthly(start, end) -> dict:
    """Loans paid out in each month from `start` to `end` (dates): how many
    have a schedule."""
    from app.db import month_of
    month = month_of(Loan.disbursed_on)
    scheduled = pw.Case(None, [(pw.fn.EXISTS(_current_installments()), 1)], 0)
    rows = (_paid_out().where((Loan.disbursed_on >= start) & (Loan.disbursed_on <= end))
            .select(month, pw.fn.SUM(scheduled), pw.fn.COUNT(Loan.id))
            .group_by(month).tuples())
    return {m: (int(c or 0), int(t)) for m, c, t in rows}


QUALITY_CHECKS = [
    QualityCheck("loans.unscheduled", _l("Loans paid out without a repayment schedule"),
                 _l("Microloans"), unscheduled_count, unscheduled_items, "loans.view",
                 unscheduled_monthly, order=50),
]

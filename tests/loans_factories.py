"""Builders for loans tests: products, applications, loans paid out, and
`on_day(day)`, which makes that day "today" for the services."""
from __future__ import annotations

import contextlib
import datetime as dt
from unittest import mock

from app.loans import applications, ledger, products
from app.loans.models import Loan, LoanProduct
from app.rules import today
from tests.factories import make_user
from tests.factories import make_member


@contextlib.contextmanager
def on_day(day: dt.date):
    """Run as if it were noon in Nairobi on `day` (clock.today() reads
    clock.utcnow)."""
    noon_utc = dt.datetime.combine(day, dt.time(9, 0))
    with mock.patch("app.clock.utcnow", lambda: noon_utc):
        yield


def make_product(**fields) -> LoanProduct:
    data = {"name": f"Product {LoanProduct.select().count() + 1}", "interest_method": "flat",
            "rate_bp": 0, "frequency": "monthly", "min_term": 1, "max_term": 24,
            "min_amount_cents": 100_000, "max_amount_cents": 100_000_000}
    data.update(fields)
    return products.save(None, products.ProductInput(**data))


def staff():
    """(recorder, approver): two different people, as the four-eyes rule needs."""
    return make_user("coordinator"), make_user("finance")


def make_application(member=None, product=None, amount_cents=1_200_000, term=6, recorder=None,
                     **fields) -> Loan:
    member = member or make_member(status="active", **fields.pop("member_fields", {}))
    product = product or make_product()
    recorder = recorder or make_user("coordinator")
    data = applications.Application(member=member, product=product, amount_cents=amount_cents,
                                    term=term, purpose=fields.pop("purpose", "Sewing machine"),
                                    **fields)
    return applications.apply(data, recorder)


def make_loan(paid_on: dt.date | None = None, approver=None, **fields) -> Loan:
    """An approved and paid-out loan (applied and paid out `paid_on`,
    default today)."""
    with on_day(paid_on or today()):
        loan = make_application(**fields)
    approver = approver or make_user("finance")
    applications.approve(loan, approver)
    loan = Loan.get_by_id(loan.id)
    on = paid_on or today()
    with on_day(on):
        applications.disburse(loan, applications.Disbursement(on, "cash"), approver)
    return Loan.get_by_id(loan.id)


def pay(loan: Loan, amount_cents: int, on: dt.date | None = None, actor=None, method="cash",
        receipt="") -> ledger.LedgerEntry:
    actor = actor or make_user("finance")
    payment = ledger.Payment(amount_cents, on or today(), method, receipt=receipt)
    return ledger.record_repayment(Loan.get_by_id(loan.id), payment, actor)

"""Loan products: the terms a loan copies when its application is recorded
(so changing a product never changes a loan already made)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from app import audit
from app.clock import utcnow
from app.db import db
from app.i18n import lazy_gettext as _l
from app.loans.allocation import DEFAULT_ORDER, ORDERS
from app.loans.models import MAX_CENTS, LoanProduct
from app.loans.schedule import FREQUENCIES, MAX_RATE_BP, MAX_TERM, METHODS
from app.rules import RuleError

NAME_MAX = 80
PENALTY_DAYS = (1, 90)
DEFAULT_PRODUCT = "Interest-free business loan"


class ProductError(RuleError):
    """A product's terms were refused."""


@dataclass
class ProductInput:
    name: str
    interest_method: str = "flat"
    rate_bp: int = 0
    frequency: str = "monthly"
    min_term: int = 3
    max_term: int = 12
    min_amount_cents: int = 100_000
    max_amount_cents: int = 5_000_000
    grace_periods: int = 0
    interest_in_grace: bool = False
    fee_cents: int = 0
    penalty_cents: int = 0
    penalty_after_days: int = 7
    allocation_order: str = DEFAULT_ORDER
    active: bool = True


def ensure_default_product() -> None:
    """An interest-free monthly product, as many survivor funds lend: only
    in a database that has no product yet (an admin's list stays theirs)."""
    if not LoanProduct.select().exists():
        LoanProduct.create(name=DEFAULT_PRODUCT, interest_method="flat", rate_bp=0,
                           frequency="monthly", min_term=3, max_term=12,
                           min_amount_cents=100_000, max_amount_cents=5_000_000)


def check(data: ProductInput, product_id: int | None = None) -> dict:
    name = " ".join((data.name or "").split())
    if not name:
        raise ProductError(_l("This field is required."), "name")
    if len(name) > NAME_MAX:
        raise ProductError(_l("Use at most %(max)d characters.", max=NAME_MAX), "name")
    taken = LoanProduct.select().where(LoanProduct.name == name)
    if product_id:
        taken = taken.where(LoanProduct.id != product_id)
    if taken.exists():
        raise ProductError(_l("Another product has this name."), "name")
    if data.interest_method not in METHODS:
        raise ProductError(_l("Choose from the list."), "interest_method")
    if data.frequency not in FREQUENCIES:
        raise ProductError(_l("Choose from the list."), "frequency")
    if data.allocation_order not in ORDERS:
        raise ProductError(_l("Choose from the list."), "allocation_order")
    if not 0 <= data.rate_bp <= MAX_RATE_BP:
        raise ProductError(_l("The rate must be between 0 and 20 % per period."), "rate")
    if not 1 <= data.min_term <= MAX_TERM:
        raise ProductError(_l("The number of installments must be between 1 and %(max)d.",
                              max=MAX_TERM), "min_term")
    if not data.min_term <= data.max_term <= MAX_TERM:
        raise ProductError(_l("Between the shortest term and %(max)d installments.",
                              max=MAX_TERM), "max_term")
    if not 0 < data.min_amount_cents <= MAX_CENTS:
        raise ProductError(_l("The amount must be more than zero."), "min_amount")
    if not data.min_amount_cents <= data.max_amount_cents <= MAX_CENTS:
        raise ProductError(_l("The largest amount cannot be below the smallest."), "max_amount")
    if not 0 <= data.grace_periods < data.min_term:
        raise ProductError(_l("The grace period must be shorter than the shortest term."),
                           "grace_periods")
    if not 0 <= data.fee_cents <= data.min_amount_cents:
        raise ProductError(_l("The fee cannot be more than the smallest amount."), "fee")
    if not 0 <= data.penalty_cents <= MAX_CENTS:
        raise ProductError(_l("The late fee cannot be negative."), "penalty")
    if not PENALTY_DAYS[0] <= data.penalty_after_days <= PENALTY_DAYS[1]:
        raise ProductError(_l("Between %(low)d and %(high)d days.", low=PENALTY_DAYS[0],
                              high=PENALTY_DAYS[1]), "penalty_after_days")
    return {**asdict(data), "name": name}


def save(product: LoanProduct | None, data: ProductInput, actor=None) -> LoanProduct:
    values = check(data, product.id if product else None)
    with db.atomic():
        if product is None:
            product = LoanProduct.create(**values, updated_by=actor.id if actor else None)
            audit.record("loans.product_created", "loan_product", product.id, actor=actor)
        else:
            for key, value in values.items():
                setattr(product, key, value)
            product.updated_at, product.updated_by = utcnow(), actor.id if actor else None
            product.save()
            audit.record("loans.product_changed", "loan_product", product.id, actor=actor)
    return product


def all_products():
    return LoanProduct.select().order_by(LoanProduct.active.desc(), LoanProduct.name)


def active_products():
    return (LoanProduct.select().where(LoanProduct.active == True)  # noqa: E712
            .order_by(LoanProduct.name))


def input_from(product: LoanProduct) -> ProductInput:
    return ProductInput(**{key: getattr(product, key)
                           for key in ProductInput.__dataclass_fields__})


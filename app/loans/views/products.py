"""Loan products (finance; admin): the terms new applications copy."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import render_template, request
from flask_login import current_user

from app.access import requires
from app.db import get_or_404
from app.loans.models import LoanProduct
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.loans import bp, products
from app.loans import forms as F


def _rate_bp(text: str) -> int:
    """'1.5' (a percentage) -> 150 basis points of a percent."""
    try:
        value = Decimal((text or "").strip().rstrip("%").strip())
    except InvalidOperation:
        raise products.ProductError(_("Write the rate as a number, for example 1.5."),
                                    "rate") from None
    if value != value.quantize(Decimal("0.01")) or value < 0:
        raise products.ProductError(_("Write the rate as a number, for example 1.5."), "rate")
    return int(value * 100)


def _input(form) -> products.ProductInput:
    return products.ProductInput(
        name=form.name.data, interest_method=form.interest_method.data,
        rate_bp=_rate_bp(form.rate.data), frequency=form.frequency.data,
        min_term=form.min_term.data, max_term=form.max_term.data,
        min_amount_cents=form.min_amount.data, max_amount_cents=form.max_amount.data,
        grace_periods=form.grace_periods.data, interest_in_grace=form.interest_in_grace.data,
        fee_cents=form.fee.data, penalty_cents=form.penalty.data,
        penalty_after_days=form.penalty_after_days.data,
        allocation_order=form.allocation_order.data, active=form.active.data)


def _fill(form, product) -> None:
    data = products.input_from(product)
    form.name.data, form.interest_method.data = data.name, data.interest_method
    form.rate.data = f"{Decimal(data.rate_bp) / 100:.2f}"
    form.frequency.data, form.allocation_order.data = data.frequency, data.allocation_order
    form.min_term.data, form.max_term.data = data.min_term, data.max_term
    form.min_amount.data, form.max_amount.data = data.min_amount_cents, data.max_amount_cents
    form.grace_periods.data, form.interest_in_grace.data = (data.grace_periods,
                                                            data.interest_in_grace)
    form.fee.data, form.penalty.data = data.fee_cents, data.penalty_cents
    form.penalty_after_days.data, form.active.data = data.penalty_after_days, data.active


@bp.route("/loans/products")
@requires("loans.products")
def product_list():
    return render_template("loans/products.html", products=list(products.all_products()))


@bp.route("/loans/products/new", methods=["GET", "POST"], defaults={"product_id": None})
@bp.route("/loans/products/<int:product_id>", methods=["GET", "POST"])
@requires("loans.products")
def product_form(product_id):
    product = get_or_404(LoanProduct, LoanProduct.id == product_id) if product_id else None
    form = F.ProductForm()
    if request.method == "GET" and product:
        _fill(form, product)
    if submit(form, lambda: products.save(product, _input(form), current_user),
              _("Changes saved.")):
        return see_other("loans.product_list")
    status = 422 if request.method == "POST" else 200
    return render_template("loans/product_form.html", form=form, product=product), status

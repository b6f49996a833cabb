"""The loan book, the portfolio, the visit list and the CSV exports."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app import audit
from app.access import requires, user_can
from app.csv_export import csv_response
from app.htmx import render
from app.loans import book, bp, exports, labels, portfolio
from app.loans import forms as F
from app.loans.scope import sights
from app.clock import today
from app.urls import page_arg


@bp.route("/loans/")
@requires("loans.view")
def index():
    status = request.args.get("status", "")
    if status not in book.FILTERS:
        status = ""
    q = request.args.get("q", "")
    page = book.list_page(current_user, status, q, page_arg())
    return render("loans/index.html", "loans/_rows.html",
                  filters=F.BookFilter(formdata=None, q=q, status=status),
                  sights=sights(current_user, page["rows"]),
                  status_names=labels.names("status"),
                  may_apply=user_can(current_user, "loans.apply"),
                  book_view=user_can(current_user, "loans.book"), **page)


@bp.route("/loans/portfolio")
@requires("loans.book")
def portfolio_page():
    form = F.AsOfForm(formdata=request.args, meta={"csrf": False})
    on = today()
    status = 200
    figures, month = portfolio.recent_figures()
    if request.args.get("as_of") and form.validate() and form.as_of.data \
            and form.as_of.data < on:
        figures = portfolio.figures_as_of(form.as_of.data)
    elif request.args.get("as_of") and form.errors:
        status = 422
    return render_template("loans/portfolio.html", figures=figures, form=form, month=month,
                           trend=portfolio.trend(), today=on), status


@bp.route("/loans/visits")
@requires("loans.visits")
def visits():
    return render_template("loans/visits.html", rows=book.visit_list(current_user),
                           today=today())


@bp.route("/loans/export/book.csv")
@requires("loans.export")
def export_book():
    audit.record("loans.exported", "loan", None, "book csv")
    return csv_response(f"kituo-loan-book-{today().isoformat()}.csv", exports.BOOK_HEADER,
                        exports.book_rows())


@bp.route("/loans/export/ledger.csv")
@requires("loans.export")
def export_ledger():
    audit.record("loans.exported", "loan", None, "ledger csv")
    return csv_response(f"kituo-loan-ledger-{today().isoformat()}.csv", exports.LEDGER_HEADER,
                        exports.ledger_rows())

"""Survivor-led businesses: the list, a business page with its loans and
chart, the profile form, monthly figures, and the directory."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.access import requires, user_can
from app.db import get_or_404
from app.forms import add_error, submit
from app.htmx import render, see_other
from app.i18n import gettext as _
from app.loans import bp, businesses, chart
from app.loans import forms as F
from app.loans.models import BUSINESS_STATUSES, SECTORS, Business
from app.loans.scope import sight
from app.members.services import member_by_code
from app.clock import today
from app.urls import page_arg


def _business_or_404(business_id: int):
    return get_or_404(businesses.visible_businesses(current_user), Business.id == business_id)


def _input(form) -> businesses.BusinessInput:
    return businesses.BusinessInput(
        name=form.name.data or "", sector=form.sector.data, status=form.status.data,
        started_on=form.started_on.data, employees=form.employees.data or 0,
        description=form.description.data or "", public_contact=form.public_contact.data or "")


@bp.route("/businesses/")
@requires("businesses.manage")
def business_list():
    status = request.args.get("status", "")
    if status not in BUSINESS_STATUSES:
        status = ""
    page = businesses.list_page(current_user, status, page_arg())
    return render("loans/businesses.html", "loans/_business_rows.html",
                  filters=F.BusinessFilter(formdata=None, status=status), **page)


@bp.route("/businesses/new", methods=["GET", "POST"])
@requires("businesses.manage")
def new_business():
    code = request.values.get("member_code", "")
    member = member_by_code(code, current_user)
    form = F.BusinessForm()
    if request.method == "GET":
        form.status.data, form.sector.data = "running", "other"
    if request.method == "POST" and member is None:
        add_error(form, None, _("No member with this code."))
    elif member is not None:
        outcome = submit(form, lambda: businesses.create(member, _input(form), current_user),
                         _("Business saved."))
        if outcome:
            return see_other("loans.business", business_id=outcome.result.id)
    status = 422 if request.method == "POST" else 200
    return render_template("loans/business_form.html", form=form, member=member,
                           member_code=code, business=None), status


def _business_page(business, status: int = 200, figures_form=None):
    rows = businesses.figures(business)
    loans = businesses.loans_of(business)
    return render_template(
        "loans/business.html", business=business, member=business.member, figures=rows,
        chart_src=chart.data_uri(chart.business_svg(rows)),
        loans=[(loan, sight(current_user, loan)) for loan in loans],
        may_view_loans=user_can(current_user, "loans.view"),
        figures_form=figures_form or F.FiguresForm(formdata=None, month=today())), status


@bp.route("/businesses/<int:business_id>")
@requires("businesses.manage")
def business(business_id: int):
    return _business_page(_business_or_404(business_id))


@bp.route("/businesses/<int:business_id>/edit", methods=["GET", "POST"])
@requires("businesses.manage")
def edit_business(business_id: int):
    business = _business_or_404(business_id)
    form = F.BusinessForm(obj=business if request.method == "GET" else None)
    if submit(form, lambda: businesses.update(business, _input(form), current_user),
              _("Changes saved.")):
        return see_other("loans.business", business_id=business.id)
    status = 422 if request.method == "POST" else 200
    return render_template("loans/business_form.html", form=form, member=business.member,
                           member_code=business.member.code, business=business), status


@bp.route("/businesses/<int:business_id>/figures", methods=["POST"])
@requires("businesses.manage")
def add_figures(business_id: int):
    business = _business_or_404(business_id)
    form = F.FiguresForm()
    if submit(form, lambda: businesses.record_figures(
            business, form.month.data, form.revenue.data, form.profit.data, form.employees.data,
            current_user), _("Figures saved.")):
        return see_other("loans.business", business_id=business.id)
    return _business_page(business, 422, form)


@bp.route("/businesses/directory")
@requires("businesses.directory")
def directory():
    sector = request.args.get("sector", "")
    if sector not in SECTORS:
        sector = ""
    page = businesses.directory(sector, page_arg())
    return render("loans/directory.html", "loans/_directory_rows.html",
                  filters=F.DirectoryFilter(formdata=None, sector=sector), **page)

"""What a member sees of their own loans and business (in their language,
discreet words), and the printable statement (a worker job)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from app.access import requires
from app.db import get_or_404
from app.loans.models import Business, Loan
from app.forms import submit
from app.htmx import redirect_after_post, see_other
from app.i18n import gettext as _
from app.jobs import services as jobs
from app.loans import book, bp, businesses, chart, ledger, tasks
from app.loans import forms as F
from app.loans.scope import sight
from app.loans.views.loan import loan_or_404
from app.members.services import member_for_user
from app.clock import today


def _me_or_404():
    member = member_for_user(current_user)
    if member is None or member.anonymised_at:
        abort(404)
    return member


def _statement_job(loan, back_url: str, person: str = ""):
    """The statement as one action (jobs.Document): its page names it, opens
    the PDF when it is ready, goes back where it was asked for and retries
    with the same POST. A member's own page names no one."""
    job = jobs.start("loan_statement", current_user, tasks.render_statement, loan_id=loan.id,
                     language=loan.member.language, document=jobs.Document(
                         _("Payment statement"), person, back_url, request.path))
    return redirect_after_post(url_for("jobs.show", job_id=job.id))


def _my_page(member, status: int = 200, figures_form=None, form_business=None):
    rows = []
    for loan in book.loans_of_member(member):
        schedule = ledger.schedule_of(loan)
        rows.append((loan, ledger.installments(schedule.id) if schedule else []))
    owned = [(b, chart.data_uri(chart.business_svg(businesses.figures(b))))
             for b in businesses.of_member(member)]
    return render_template("loans/me.html", member=member, rows=rows, today=today(),
                           businesses=owned, form_business=form_business,
                           figures_form=figures_form or F.FiguresForm(formdata=None,
                                                                      month=today())), status


@bp.route("/me/money")
@requires("loans.own")
def my_loans():
    return _my_page(_me_or_404())


# "account", not "loan": the address stays in a shared phone's history
@bp.route("/me/money/<int:account_id>/statement", methods=["POST"])
@requires("loans.own")
def my_statement(account_id: int):
    member = _me_or_404()
    loan = get_or_404(book.loans_of(member), Loan.id == account_id)
    return _statement_job(loan, url_for("loans.my_loans"))


@bp.route("/me/businesses/<int:business_id>/figures", methods=["POST"])
@requires("loans.own")
def my_figures(business_id: int):
    member = _me_or_404()
    business = get_or_404(businesses.businesses_of(member), Business.id == business_id)
    form = F.FiguresForm()
    if submit(form, lambda: businesses.record_figures(
            business, form.month.data, form.revenue.data, form.profit.data, form.employees.data,
            current_user), _("Thank you: your figures are saved.")):
        return see_other("loans.my_loans")
    return _my_page(member, 422, form, business.id)


@bp.route("/loans/<int:loan_id>/statement", methods=["POST"])
@requires("loans.view")
def statement(loan_id: int):
    loan = loan_or_404(loan_id)
    if not sight(current_user, loan).terms or loan.disbursed_on is None:
        abort(404)
    return _statement_job(loan, url_for("loans.show", loan_id=loan.id), loan.member.code)

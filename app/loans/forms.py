"""Forms of the loans module. Limits come from the services' constants;
amounts are typed in shillings and parsed to cents by MoneyField."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SearchField, StringField, TextAreaField
from wtforms.validators import NumberRange

from app.forms import (Choice, DateInput, GetForm, IntInput, KituoForm, MoneyField, MonthField,
                       length, optional, required)
from app.i18n import lazy_gettext as _l
from app.loans import applications, book, businesses, changes, ledger, products
from app.loans.labels import choices
from app.loans.schedule import MAX_TERM

TERM_RANGE = NumberRange(1, MAX_TERM, message=_l("Between 1 and %(max)d installments."))


def _term(label):
    return IntInput(label, [required(), TERM_RANGE],
                        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_TERM})


class ApplicationForm(KituoForm):
    member_code = StringField(_l("Member code"), [required(), length(24)],
                              render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    product = Choice(_l("Kind of loan"), coerce=int, choices=[])
    amount = MoneyField(_l("Amount (KES)"), [required()])
    term = _term(_l("Number of installments"))
    purpose = TextAreaField(_l("What the money is for"),
                            [required(), length(applications.PURPOSE_MAX)])
    business = Choice(_l("The business it funds"), coerce=int, choices=[], default=0)
    guarantors = StringField(_l("Guarantors (member codes, optional)"), [optional(), length(80)],
                             description=_l("Up to three, separated by commas."),
                             render_kw={"autocapitalize": "characters"})
    share_with_mentor = BooleanField(_l("The member agrees that their mentor may see the "
                                        "amounts"))


class DecisionForm(KituoForm):
    reason = TextAreaField(_l("Note or reason"), [optional(), length(applications.REASON_MAX)])


class WithdrawForm(KituoForm):
    # its own element id: the decision form on the same page has a "reason" too
    reason = StringField(_l("Reason"), [required(), length(applications.REASON_MAX)],
                         id="withdraw_reason")


class DisburseForm(KituoForm):
    paid_on = DateInput(_l("Paid out on"), [required()])
    method = Choice(_l("How"), choices=choices("method"))
    reference = StringField(_l("M-Pesa or bank reference"),
                            [optional(), length(ledger.REFERENCE_MAX)])


class RepaymentForm(KituoForm):
    amount = MoneyField(_l("Amount (KES)"), [required()])
    paid_on = DateInput(_l("Paid on"), [required()])
    method = Choice(_l("How"), choices=choices("method"))
    receipt = StringField(_l("M-Pesa receipt"), [optional(), length(12)],
                          render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    reference = StringField(_l("Receipt book number or bank reference"),
                            [optional(), length(ledger.REFERENCE_MAX)])
    request_key = HiddenField()


class SettleForm(RepaymentForm):
    pass


class ReverseForm(KituoForm):
    reason = StringField(_l("Why is it reversed?"), [required(), length(ledger.REASON_MAX)])


class RescheduleForm(KituoForm):
    term = _term(_l("New number of installments"))
    frequency = Choice(_l("How often"), choices=choices("frequency"))
    first_due_on = DateInput(_l("First new installment on"), [required()])
    reason = TextAreaField(_l("Why"), [required(), length(changes.REASON_MAX)])


class WriteOffForm(KituoForm):
    # its own element id: the reschedule form on the same page has a "reason" too
    reason = TextAreaField(_l("Why"), [required(), length(changes.REASON_MAX)],
                           id="write_off_reason")


class RequestDecisionForm(KituoForm):
    note = StringField(_l("Note or reason"), [optional(), length(changes.REASON_MAX)])


class CloseForm(KituoForm):
    method = Choice(_l("How the credit is paid back"), choices=choices("method"))
    reference = StringField(_l("Reference"), [optional(), length(ledger.REFERENCE_MAX)])


class NoteForm(KituoForm):
    text = TextAreaField(_l("Note (only you and finance can read it)"),
                         [required(), length(book.NOTE_MAX)])


class SharingForm(KituoForm):
    share_with_mentor = BooleanField(_l("The member agrees that their mentor may see the "
                                        "amounts"))


class ProductForm(KituoForm):
    name = StringField(_l("Name"), [required(), length(products.NAME_MAX)])
    interest_method = Choice(_l("Interest"), choices=choices("interest_method"))
    rate = StringField(_l("Interest rate per period (%)"), [required(), length(6)],
                       description=_l("0 for an interest-free loan; for example 1.5"),
                       render_kw={"inputmode": "decimal"})
    frequency = Choice(_l("Repayment"), choices=choices("frequency"))
    min_term = IntInput(_l("Fewest installments"), [required(), TERM_RANGE])
    max_term = IntInput(_l("Most installments"), [required(), TERM_RANGE])
    min_amount = MoneyField(_l("Smallest amount (KES)"), [required()])
    max_amount = MoneyField(_l("Largest amount (KES)"), [required()])
    grace_periods = IntInput(_l("Grace periods (installments without principal)"),
                                 [required(), NumberRange(0, MAX_TERM - 1,
                                                          message=_l("Choose from the list."))],
                                 default=0)
    interest_in_grace = BooleanField(_l("Charge interest during grace"))
    fee = MoneyField(_l("One-off fee (KES)"), [required()], default=0)
    penalty = MoneyField(_l("Late fee per installment (KES, 0 for none)"), [required()],
                         default=0)
    penalty_after_days = IntInput(_l("Late fee after this many days"),
                                      [required(), NumberRange(*products.PENALTY_DAYS,
                                                               message=_l("Choose from the list."))],
                                      default=7)
    allocation_order = Choice(_l("A repayment pays"), choices=choices("order"))
    active = BooleanField(_l("Offered for new applications"), default=True)


class StatementForm(KituoForm):
    file = FileField(_l("M-Pesa statement (CSV)"),
                     [FileRequired(message=_l("Choose the statement file."))],
                     render_kw={"accept": ".csv,text/csv"})


class AssignForm(KituoForm):
    reference = StringField(_l("Loan reference or member code"), [required(), length(32)],
                            render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class DismissForm(KituoForm):
    reason = StringField(_l("Why it is not a loan repayment"), [required(), length(200)])


class BusinessForm(KituoForm):
    name = StringField(_l("Name of the business"), [required(), length(businesses.NAME_MAX)])
    sector = Choice(_l("Kind of business"), choices=choices("sector"))
    status = Choice(_l("Status"), choices=choices("business_status"))
    started_on = DateInput(_l("Started on"), [optional()])
    employees = IntInput(_l("People working in it besides the owner"),
                             [optional(), NumberRange(0, 10_000,
                                                      message=_l("Between 0 and 10,000 people."))],
                             default=0)
    description = TextAreaField(_l("What it offers (for the directory)"),
                                [optional(), length(businesses.DESCRIPTION_MAX)])
    public_contact = StringField(_l("How customers reach it (for the directory)"),
                                 [optional(), length(businesses.CONTACT_MAX)],
                                 description=_l("Shown only if the owner agreed to be promoted."))


class FiguresForm(KituoForm):
    month = MonthField(_l("Month"), [required()])
    revenue = MoneyField(_l("Money in that month (KES)"), [optional()])
    profit = MoneyField(_l("Left after costs (KES; a loss starts with -)"), [optional()],
                        signed=True)
    employees = IntInput(_l("People working in it"),
                             [optional(), NumberRange(0, 10_000,
                                                      message=_l("Between 0 and 10,000 people."))])


# --- the GET filters of the lists (no CSRF token: a filter changes nothing) ----------------

_STATUS = dict(choices("status"))


class BookFilter(GetForm):
    """The loan book's search and what it shows (book.FILTERS)."""
    q = SearchField(_l("Search"), render_kw={
        "autocomplete": "off", "placeholder": _l("Member code, name or loan reference")})
    status = Choice(_l("Show"), choices=[
        ("", _l("All loans")), ("waiting", _l("Waiting for a decision or to be paid out")),
        ("active", _STATUS["active"]), ("behind", _l("Catching up (longest first)"))]
        + [(key, _STATUS[key]) for key in ("closed", "written_off", "rejected", "withdrawn")])


class BusinessFilter(GetForm):
    status = Choice(_l("Status"), choices=[("", _l("All"))] + choices("business_status"))


class DirectoryFilter(GetForm):
    sector = Choice(_l("Kind of business"), choices=[("", _l("All"))] + choices("sector"))


class AsOfForm(KituoForm):
    as_of = DateInput(_l("As of"), [optional()])

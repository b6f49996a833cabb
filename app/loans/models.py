"""Loan products, businesses, loans, their schedules and the ledger.

Rules that must hold whatever the code does live in the database:
- amounts are integer cents and never negative (a business's profit, which
  may be a loss, is the one signed figure); dates have a sane range;
- statuses, methods and kinds are from their lists;
- the four-eyes rule: whoever recorded an application or proposed a change
  cannot approve it (a CHECK on the row);
- the ledger is append-only: triggers refuse any UPDATE of its figures and
  any DELETE (only the free-text reference and reason may be blanked, by
  anonymisation); a receipt code is counted once (a unique index: one live
  repayment per M-Pesa receipt), an entry is reversed at most once, a form
  is never recorded twice, a late fee is charged once per installment.
"""
from __future__ import annotations

import uuid

import peewee as pw

from app.auth.models import User
from app.clock import CALENDAR_FIRST, CALENDAR_LAST, utcnow
from app.db import BaseModel
from app.loans.allocation import ORDERS
from app.loans.schedule import FREQUENCIES, MAX_RATE_BP, MAX_TERM, METHODS
from app.members.models import Member
from app.money import MAX_CENTS

LOAN_STATUSES = ("applied", "approved", "rejected", "withdrawn", "active", "closed",
                 "written_off")
OPEN_STATUSES = ("applied", "approved")
LIVE_STATUSES = ("active",)
METHODS_OF_PAYMENT = ("cash", "mpesa", "bank")
# Ledger kinds. Charges raise what the member owes; credits lower it. A
# reversal is an entry of the same kind with `reverses` set, counted the
# other way.
CHARGES = ("disbursement", "interest", "fee", "penalty", "refund")
CREDITS = ("repayment", "waiver", "write_off")
KINDS = CHARGES + CREDITS
REVERSIBLE = ("repayment", "penalty")
REQUEST_KINDS = ("reschedule", "write_off")
REQUEST_STATUSES = ("pending", "approved", "rejected")
BUSINESS_STATUSES = ("idea", "running", "paused", "closed")
SECTORS = ("retail", "food", "tailoring", "beauty", "farming", "crafts", "services",
           "transport", "other")
# The calendar range of app.clock (the forms' app.forms.DateInput checks the same).
FIRST_DATE, LAST_DATE = CALENDAR_FIRST.isoformat(), CALENDAR_LAST.isoformat()


def _in(column: str, values) -> pw.SQL:
    listed = ", ".join(f"'{v}'" for v in values)
    return pw.SQL(f"CHECK ({column} IN ({listed}))")


def _cents(column: str, low: int = 0) -> pw.SQL:
    return pw.SQL(f"CHECK ({column} >= {low} AND {column} <= {MAX_CENTS})")


def _date(column: str, nullable: bool = True) -> pw.SQL:
    check = f"{column} BETWEEN '{FIRST_DATE}' AND '{LAST_DATE}'"
    return pw.SQL(f"CHECK ({column} IS NULL OR {check})" if nullable else f"CHECK ({check})")


class LoanProduct(BaseModel):
    name = pw.CharField(max_length=80, unique=True)
    interest_method = pw.CharField(max_length=12, default="flat")
    rate_bp = pw.IntegerField(default=0)           # per period, 150 = 1.50 %
    frequency = pw.CharField(max_length=12, default="monthly")
    min_term = pw.IntegerField(default=3)
    max_term = pw.IntegerField(default=12)
    min_amount_cents = pw.IntegerField(default=100_000)
    max_amount_cents = pw.IntegerField(default=5_000_000)
    grace_periods = pw.IntegerField(default=0)
    interest_in_grace = pw.BooleanField(default=False)
    fee_cents = pw.IntegerField(default=0)
    penalty_cents = pw.IntegerField(default=0)     # a late fee per installment; 0: none
    penalty_after_days = pw.IntegerField(default=7)
    allocation_order = pw.CharField(max_length=32, default=ORDERS[0])
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        constraints = [
            _in("interest_method", METHODS), _in("frequency", FREQUENCIES),
            _in("allocation_order", ORDERS),
            pw.SQL(f"CHECK (rate_bp BETWEEN 0 AND {MAX_RATE_BP})"),
            pw.SQL(f"CHECK (min_term >= 1 AND min_term <= max_term AND max_term <= {MAX_TERM})"),
            pw.SQL("CHECK (min_amount_cents > 0 AND min_amount_cents <= max_amount_cents)"),
            _cents("max_amount_cents"), _cents("fee_cents"), _cents("penalty_cents"),
            pw.SQL("CHECK (grace_periods >= 0 AND grace_periods < min_term)"),
            pw.SQL("CHECK (penalty_after_days BETWEEN 1 AND 90)"),
        ]


class Business(BaseModel):
    """A member's business (survivor-led), from an idea to a running shop."""
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    name = pw.CharField(max_length=120)
    sector = pw.CharField(max_length=16, default="other")
    started_on = pw.DateField(null=True)
    status = pw.CharField(max_length=12, default="idea")
    employees = pw.IntegerField(default=0)
    # For the directory (shown only with the member's consent):
    description = pw.CharField(max_length=500, default="")
    public_contact = pw.CharField(max_length=80, default="")
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("member",), False), (("status", "id"), False))
        constraints = [_in("sector", SECTORS), _in("status", BUSINESS_STATUSES),
                       pw.SQL("CHECK (employees BETWEEN 0 AND 10000)"), _date("started_on")]


class BusinessFigure(BaseModel):
    """Self-reported monthly figures: one row per business and month."""
    business = pw.ForeignKeyField(Business, backref="+", on_delete="CASCADE")
    month = pw.DateField()                         # the first day of the month
    revenue_cents = pw.IntegerField(null=True)
    profit_cents = pw.IntegerField(null=True)      # may be a loss
    employees = pw.IntegerField(null=True)
    recorded_at = pw.DateTimeField(default=utcnow)
    recorded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("business", "month"), True),)
        constraints = [
            pw.SQL(f"CHECK (revenue_cents IS NULL OR revenue_cents BETWEEN 0 AND {MAX_CENTS})"),
            pw.SQL(f"CHECK (profit_cents IS NULL OR profit_cents BETWEEN -{MAX_CENTS} "
                   f"AND {MAX_CENTS})"),
            pw.SQL("CHECK (employees IS NULL OR employees BETWEEN 0 AND 10000)"),
            _date("month", nullable=False)]


class Loan(BaseModel):
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    product = pw.ForeignKeyField(LoanProduct, backref="+", on_delete="RESTRICT")
    business = pw.ForeignKeyField(Business, null=True, backref="+", on_delete="SET NULL")
    number = pw.IntegerField()                     # the member's 1st, 2nd... loan
    # What the member types as "account number" in M-Pesa: the code without
    # punctuation, "L" and the number (AZ0042L1); matching ignores case.
    account_ref = pw.CharField(max_length=32, unique=True)
    amount_cents = pw.IntegerField()
    purpose = pw.CharField(max_length=255, default="")
    share_with_mentor = pw.BooleanField(default=False)       # the member agreed
    status = pw.CharField(max_length=12, default="applied")
    # Terms copied from the product when the application is recorded:
    interest_method = pw.CharField(max_length=12)
    rate_bp = pw.IntegerField()
    frequency = pw.CharField(max_length=12)
    term = pw.IntegerField()
    grace_periods = pw.IntegerField(default=0)
    interest_in_grace = pw.BooleanField(default=False)
    fee_cents = pw.IntegerField(default=0)
    penalty_cents = pw.IntegerField(default=0)
    penalty_after_days = pw.IntegerField(default=7)
    allocation_order = pw.CharField(max_length=32)
    # Application and decision (four eyes: decided_by is never recorded_by)
    applied_on = pw.DateField()
    recorded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    recorded_at = pw.DateTimeField(default=utcnow)
    decided_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    decided_at = pw.DateTimeField(null=True)
    decision_reason = pw.CharField(max_length=255, default="")
    disbursed_on = pw.DateField(null=True)
    disbursed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    closed_on = pw.DateField(null=True)            # repaid and closed, or written off
    # Kept by every ledger write (ledger.refresh), from the ledger and schedule:
    schedule_version = pw.IntegerField(default=0)
    balance_cents = pw.IntegerField(default=0)     # sum of the ledger; < 0: credit
    principal_outstanding_cents = pw.IntegerField(default=0)
    paid_cents = pw.IntegerField(default=0)
    first_unpaid_on = pw.DateField(null=True)      # the oldest installment not paid
    next_due_on = pw.DateField(null=True)
    next_due_cents = pw.IntegerField(default=0)
    overdue_cents = pw.IntegerField(default=0)     # as of the last refresh (daily)

    class Meta:
        indexes = (
            (("member", "number"), True),
            # covering: today's portfolio reads only this index
            (("status", "first_unpaid_on", "principal_outstanding_cents"), False),
            (("status", "id"), False),
            (("status", "next_due_on"), False),
            (("disbursed_on",), False),
        )
        constraints = [
            _in("status", LOAN_STATUSES), _in("interest_method", METHODS),
            _in("frequency", FREQUENCIES), _in("allocation_order", ORDERS),
            pw.SQL(f"CHECK (amount_cents > 0 AND amount_cents <= {MAX_CENTS})"),
            pw.SQL(f"CHECK (term BETWEEN 1 AND {MAX_TERM})"),
            pw.SQL("CHECK (grace_periods >= 0 AND grace_periods < term)"),
            pw.SQL(f"CHECK (rate_bp BETWEEN 0 AND {MAX_RATE_BP})"),
            _cents("fee_cents"), _cents("penalty_cents"), _cents("principal_outstanding_cents"),
            _cents("paid_cents"), _cents("next_due_cents"), _cents("overdue_cents"),
            pw.SQL("CHECK (decided_by_id IS NULL OR recorded_by_id IS NULL "
                   "OR decided_by_id <> recorded_by_id)"),
            pw.SQL("CHECK (status IN ('applied', 'withdrawn') OR decided_by_id IS NOT NULL)"),
            pw.SQL("CHECK ((status IN ('active', 'closed', 'written_off')) = "
                   "(disbursed_on IS NOT NULL))"),
            pw.SQL("CHECK ((status IN ('closed', 'written_off')) = (closed_on IS NOT NULL))"),
            _date("applied_on", nullable=False), _date("disbursed_on"), _date("closed_on"),
        ]


# One application waiting for a decision (or to be paid out) per member.
Loan.add_index(Loan.index(Loan.member, unique=True, safe=True, name="loan_one_open_per_member")
               .where(Loan.status.in_(OPEN_STATUSES)))


class Guarantor(BaseModel):
    loan = pw.ForeignKeyField(Loan, backref="+", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")

    class Meta:
        indexes = ((("loan", "member"), True),)


class Schedule(BaseModel):
    """A version of a loan's schedule: fixed at disbursement, replaced only
    by an approved reschedule or an early repayment."""
    loan = pw.ForeignKeyField(Loan, backref="+", on_delete="CASCADE")
    version = pw.IntegerField()
    effective_on = pw.DateField()
    reason = pw.CharField(max_length=16, default="disbursement")
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("loan", "version"), True), (("loan", "effective_on"), False))
        constraints = [_in("reason", ("disbursement", "reschedule", "settlement")),
                       pw.SQL("CHECK (version >= 1)"), _date("effective_on", nullable=False)]


class Installment(BaseModel):
    schedule = pw.ForeignKeyField(Schedule, backref="+", on_delete="CASCADE")
    number = pw.IntegerField()
    due_on = pw.DateField()
    principal_cents = pw.IntegerField()
    interest_cents = pw.IntegerField()
    fee_cents = pw.IntegerField(default=0)
    # Kept by ledger.refresh and the daily task:
    paid_cents = pw.IntegerField(default=0)
    state = pw.CharField(max_length=8, default="due")

    class Meta:
        indexes = ((("schedule", "number"), True), (("state", "due_on"), False))
        constraints = [_cents("principal_cents"), _cents("interest_cents"), _cents("fee_cents"),
                       _cents("paid_cents"), _in("state", ("due", "overdue", "paid")),
                       _date("due_on", nullable=False)]


class StatementImport(BaseModel):
    """An uploaded M-Pesa statement: checked first (dry run), written on confirm."""
    CHECKING, CHECKED, IMPORTING, IMPORTED, FAILED, CANCELLED = (
        "checking", "checked", "importing", "imported", "failed", "cancelled")

    id = pw.UUIDField(primary_key=True, default=uuid.uuid4)
    owner = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = pw.DateTimeField(default=utcnow)
    filename = pw.CharField(max_length=120, default="")
    path = pw.CharField(max_length=255, default="")
    status = pw.CharField(max_length=12, default=CHECKING)
    job_id = pw.CharField(max_length=40, default="")
    problem = pw.CharField(max_length=500, default="")   # why the file could not be read
    total_rows = pw.IntegerField(default=0)
    imported_rows = pw.IntegerField(default=0)
    imported_cents = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("owner", "created_at"), False),)


LINE_OUTCOMES = ("matched", "unmatched", "duplicate", "refused", "imported", "dismissed")


class StatementLine(BaseModel):
    """One paid-in row of a statement. `details` holds the payer's name and
    number as M-Pesa wrote them: blanked once the line is settled."""
    batch = pw.ForeignKeyField(StatementImport, backref="+", on_delete="CASCADE")
    row_number = pw.IntegerField()
    receipt = pw.CharField(max_length=32, default="")
    receipt_key = pw.CharField(max_length=64, default="")
    paid_at = pw.DateTimeField(null=True)          # UTC
    value_on = pw.DateField(null=True)             # the day in Nairobi
    amount_cents = pw.IntegerField(default=0)
    details = pw.CharField(max_length=255, default="")
    outcome = pw.CharField(max_length=10)
    reason = pw.CharField(max_length=32, default="")   # a key of labels.LINE_REASONS
    matched_by = pw.CharField(max_length=12, default="")  # reference, phone, person
    loan = pw.ForeignKeyField(Loan, null=True, backref="+", on_delete="SET NULL")
    assigned_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("batch", "row_number"), True), (("outcome", "id"), False),
                   (("receipt_key",), False))
        constraints = [_in("outcome", LINE_OUTCOMES), _cents("amount_cents")]


class LedgerEntry(BaseModel):
    loan = pw.ForeignKeyField(Loan, backref="+", on_delete="RESTRICT")
    kind = pw.CharField(max_length=12)
    amount_cents = pw.IntegerField()
    value_on = pw.DateField()                      # the day it counts from
    recorded_at = pw.DateTimeField(default=utcnow)
    recorded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    method = pw.CharField(max_length=8, default="")
    reference = pw.CharField(max_length=64, default="")   # blanked by anonymisation
    reason = pw.CharField(max_length=255, default="")
    # sha256 of an M-Pesa receipt code, and how many times that receipt's
    # earlier repayments were reversed: (receipt_key, receipt_seq) is unique,
    # so at most one live repayment counts each receipt.
    receipt_key = pw.CharField(max_length=64, null=True)
    receipt_seq = pw.IntegerField(default=0)
    request_key = pw.CharField(max_length=40, null=True, unique=True)
    reverses = pw.ForeignKeyField("self", null=True, unique=True, backref="+",
                                  on_delete="RESTRICT")
    schedule = pw.ForeignKeyField(Schedule, null=True, backref="+", on_delete="RESTRICT")
    installment_number = pw.IntegerField(null=True)    # a late fee's installment
    statement_line = pw.ForeignKeyField(StatementLine, null=True, unique=True, backref="+",
                                        on_delete="RESTRICT")

    class Meta:
        indexes = (
            (("loan", "value_on"), False),
            # covering: the month's repayments and PAR's totals paid read only this index
            (("kind", "value_on", "loan", "amount_cents", "reverses"), False),
            (("receipt_key", "receipt_seq"), True),
        )
        constraints = [
            _in("kind", KINDS), _in("method", ("",) + METHODS_OF_PAYMENT),
            pw.SQL(f"CHECK (amount_cents > 0 AND amount_cents <= {MAX_CENTS})"),
            pw.SQL("CHECK (receipt_key IS NULL OR kind = 'repayment')"),
            pw.SQL("CHECK (reverses_id IS NULL OR reason <> '' OR recorded_by_id IS NULL)"),
            pw.SQL("CHECK ((kind = 'penalty') = (installment_number IS NOT NULL))"),
            _date("value_on", nullable=False),
        ]


# One late fee per installment of a schedule, ever (a reversed one stays reversed).
LedgerEntry.add_index(LedgerEntry.index(
    LedgerEntry.schedule, LedgerEntry.installment_number, unique=True, safe=True,
    name="ledger_one_penalty_per_installment").where(
    (LedgerEntry.kind == "penalty") & LedgerEntry.reverses.is_null()))


class ChangeRequest(BaseModel):
    """A reschedule or a write-off: proposed by one person, decided by another."""
    loan = pw.ForeignKeyField(Loan, backref="+", on_delete="CASCADE")
    kind = pw.CharField(max_length=12)
    status = pw.CharField(max_length=10, default="pending")
    reason = pw.CharField(max_length=255)
    # A reschedule's new terms:
    term = pw.IntegerField(null=True)
    frequency = pw.CharField(max_length=12, default="")
    first_due_on = pw.DateField(null=True)
    proposed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    proposed_at = pw.DateTimeField(default=utcnow)
    decided_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    decided_at = pw.DateTimeField(null=True)
    decision_note = pw.CharField(max_length=255, default="")

    class Meta:
        indexes = ((("loan", "status"), False),)
        constraints = [
            _in("kind", REQUEST_KINDS), _in("status", REQUEST_STATUSES),
            pw.SQL("CHECK (decided_by_id IS NULL OR proposed_by_id IS NULL "
                   "OR decided_by_id <> proposed_by_id)"),
            pw.SQL("CHECK ((status = 'pending') = (decided_at IS NULL))"),
            pw.SQL(f"CHECK (term IS NULL OR term BETWEEN 1 AND {MAX_TERM})"),
            _date("first_due_on")]


# One pending request of each kind per loan.
ChangeRequest.add_index(ChangeRequest.index(
    ChangeRequest.loan, ChangeRequest.kind, unique=True, safe=True,
    name="change_request_one_pending").where(ChangeRequest.status == "pending"))


class LoanNote(BaseModel):
    """A staff note on a loan: seen by its author and finance only."""
    loan = pw.ForeignKeyField(Loan, backref="+", on_delete="CASCADE")
    author = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    at = pw.DateTimeField(default=utcnow)
    text = pw.TextField()

    class Meta:
        indexes = ((("loan", "id"), False),)


class PortfolioDay(BaseModel):
    """The portfolio's figures at the end of a day, kept by the daily task."""
    day = pw.DateField(unique=True)
    active_loans = pw.IntegerField(default=0)
    outstanding_cents = pw.IntegerField(default=0)
    par1_cents = pw.IntegerField(default=0)
    par30_cents = pw.IntegerField(default=0)
    par90_cents = pw.IntegerField(default=0)
    computed_at = pw.DateTimeField(default=utcnow)


class TaskRun(BaseModel):
    """Last successful run of a periodic job (catch-up after downtime)."""
    name = pw.CharField(max_length=64, unique=True)
    last_success_at = pw.DateTimeField(null=True)
    last_day = pw.DateField(null=True)

    class Meta:
        table_name = "loans_task_run"


MODELS = [LoanProduct, Business, BusinessFigure, Loan, Guarantor, Schedule, Installment,
          StatementImport, StatementLine, LedgerEntry, ChangeRequest, LoanNote, PortfolioDay,
          TaskRun]

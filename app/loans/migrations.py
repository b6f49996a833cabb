"""Schema steps of the loans module (versions 100-199)."""
from app.db import protect_rows
from app.migrations import create_tables, drop_index_if_exists, migration


@migration(100, "loans: products, businesses, loans, schedules, the ledger, statement imports",
           on_new_database=True)
def _loans(migrator):
    """Tables, the database's guard on the ledger and schedules (rows are
    never changed or deleted; an installment's paid amount and state, and
    an entry's free text for anonymisation, are the only columns that
    change), and the interest-free product every centre starts with."""
    from app.loans.models import MODELS, Installment, LedgerEntry, Schedule
    from app.loans.products import ensure_default_product
    create_tables(MODELS)
    protect_rows(LedgerEntry, mutable=("reference", "reason"))
    protect_rows(Schedule)
    protect_rows(Installment, mutable=("paid_cents", "state"))
    ensure_default_product()


@migration(101, "loans: covering indexes for the portfolio figures")
def _covering_indexes(migrator):
    """Today's portfolio and the month's repayments read only an index
    (replacing two narrower ones)."""
    from app.loans.models import LedgerEntry, Loan
    drop_index_if_exists("loan_status_first_unpaid_on")
    drop_index_if_exists("ledger_entry_kind_value_on")
    create_tables([Loan, LedgerEntry])        # adds the indexes the models now have

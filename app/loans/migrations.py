"""Schema steps of the loans module (versions 100-199)."""
from app.db import create_tables, migration, protect_rows


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

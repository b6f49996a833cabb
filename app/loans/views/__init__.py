"""Pages of the loans module, one file per area."""
from app.loans.views import apply, book, businesses, loan, me, products, statements  # noqa: F401

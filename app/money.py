"""Money: Kenyan shillings held as integer cents, parsed with Decimal.

Two parsers, for two kinds of text:
- `parse_cents(text)`: what a person types in an amount field. Strict:
  digits with at most two decimals ("1500", "1500.50"). Commas, "KSh",
  spaces inside the number and minus signs are refused with a message
  saying how to write it, so a typo never becomes a different amount.
- `parse_statement_cents(text)`: a figure in a bank or M-Pesa export,
  which writes "1,500.00" or "-200.00"; signed.

Formatting is only done by the `money` template filter (app/filters.py).
"""
from __future__ import annotations

import re
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from app.i18n import lazy_gettext as _l

CENTS = Decimal(100)
SHILLING = Decimal(1)
# The largest amount any field accepts: KES 100 million.
MAX_CENTS = 10_000_000_000

_TYPED = re.compile(r"\d{1,12}(\.\d{1,2})?")
_STATEMENT = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d{1,2})?|-?\d{1,12}(\.\d{1,2})?")

HOW_TO_WRITE = _l("Write the amount in shillings with digits only, for example 1500 or "
                  "1500.50 (no commas, no KSh).")


class AmountError(ValueError):
    """The text is not an amount; `message` says how to write one."""

    def __init__(self, message=HOW_TO_WRITE):
        super().__init__(str(message))
        self.message = message


def parse_cents(text) -> int:
    """'1500.50' -> 150050. Refuses anything but digits and one point with
    at most two decimals; zero is allowed (the caller decides on ranges)."""
    value = (text or "").strip() if isinstance(text, str) else str(text or "")
    if not value:
        raise AmountError(_l("Write an amount."))
    if value.startswith("-"):
        raise AmountError(_l("The amount cannot be negative."))
    if not _TYPED.fullmatch(value):
        raise AmountError()
    cents = int(Decimal(value) * CENTS)
    if cents > MAX_CENTS:
        raise AmountError(_l("This amount is too large."))
    return cents


def parse_statement_cents(text: str) -> int | None:
    """A figure from an exported statement ('1,500.00', '-200', '') ->
    signed cents; None for an empty cell. Raises AmountError otherwise."""
    value = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    for prefix in ("KSh", "KSH", "Ksh", "KES"):
        value = value.removeprefix(prefix)
    if value in ("", "-"):
        return None
    if value.startswith("(") and value.endswith(")"):
        value = "-" + value[1:-1]
    if not _STATEMENT.fullmatch(value):
        raise AmountError()
    try:
        cents = int(Decimal(value.replace(",", "")) * CENTS)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise AmountError() from None
    if abs(cents) > MAX_CENTS:
        raise AmountError(_l("This amount is too large."))
    return cents


def cents_to_text(cents: int) -> str:
    """150050 -> '1500.50': how an amount field shows a stored value."""
    return f"{Decimal(cents) / CENTS:.2f}"


def round_cents(value: Decimal) -> int:
    """An exact amount in cents (Decimal) -> whole cents, half up."""
    return int(value.quantize(SHILLING, rounding=ROUND_HALF_UP))


def round_shilling(cents: Decimal) -> int:
    """An amount in cents -> whole shillings (in cents), half up."""
    return int((cents / CENTS).quantize(SHILLING, rounding=ROUND_HALF_UP) * CENTS)


def floor_shilling(cents: Decimal) -> int:
    """An amount in cents -> whole shillings (in cents), rounded down."""
    return int((cents / CENTS).quantize(SHILLING, rounding=ROUND_FLOOR) * CENTS)

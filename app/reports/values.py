"""From figures to what a report shows: suppressed counts ("<5"), money,
percentages and averages of two figures ("—" when the denominator is 0),
and the share of the target."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from flask import current_app

from app.reports.models import SCALE

HIDDEN = "<5"
SECONDARY_MARK = "*"
NO_VALUE = "—"


def threshold() -> int:
    return int(current_app.config.get("REPORTS_SUPPRESS_BELOW", 5))


def hidden_text() -> str:
    return f"<{threshold()}"


@dataclass(frozen=True)
class Shown:
    """A value as a report shows it. `number` (Decimal, in the indicator's
    unit: people, KES, percent, points) is None when hidden or undefined."""
    number: Decimal | None
    text: str
    hidden: bool = False

    @property
    def blank(self) -> bool:
        return self.number is None


def _count(n: int) -> str:
    return f"{n:,}"


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def show(kind: str, numerator, denominator=None, k: int | None = None) -> Shown:
    """`numerator`/`denominator`: engine Figures (value and support); `k`
    the threshold() when the caller already read it (a report shows ~270
    values)."""
    k = threshold() if k is None else k
    if denominator is None:
        return _show(kind, numerator.value, numerator.support, None, None, k)
    return _show(kind, numerator.value, numerator.support, denominator.value,
                 denominator.support, k)


@lru_cache(maxsize=4096, typed=True)
def _show(kind: str, value, support, denominator, denominator_support, k: int) -> Shown:
    """show() of the numbers themselves, kept per worker: a pure function
    of aggregate counts and k (a Shown cannot change; typed: 1 and 1.0 are
    written differently), and a year report shows the same ~270 on every
    view."""
    if kind in ("count", "money"):
        if support < k:
            return Shown(None, f"<{k}", hidden=True)
        if kind == "money":
            from app.filters import money
            return Shown(Decimal(value) / 100, money(value))
        return Shown(Decimal(value), _count(value))
    if denominator is None or denominator == 0:
        return Shown(None, NO_VALUE)
    if support < k or denominator_support < k:
        return Shown(None, f"<{k}", hidden=True)
    ratio = Decimal(value) / Decimal(denominator)
    if kind == "percent":
        value = _one_decimal(ratio * 100)
        return Shown(value, f"{value:,.1f}%".replace(".0%", "%"))
    value = _one_decimal(ratio)
    return Shown(value, f"{value:+,.1f}")


def share_of_target(shown: Shown, target: int | None, kind: str) -> Shown:
    """The value as a share of the target ("—" without a target or value)."""
    if shown.number is None or not target:
        return Shown(None, NO_VALUE)
    target_value = Decimal(target) / SCALE[kind]
    share = (shown.number / target_value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return Shown(share, f"{share:,}%")

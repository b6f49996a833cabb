"""Reporting periods: keys, bounds, neighbours, bad input."""
import datetime as dt

import pytest

from app.reports import periods
from app.reports.periods import PeriodError


@pytest.mark.parametrize("key,start,end", [
    ("2025-07", dt.date(2025, 7, 1), dt.date(2025, 7, 31)),
    ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2025-Q1", dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
    ("2025-Q4", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
    ("2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("FY2025", dt.date(2025, 7, 1), dt.date(2026, 6, 30)),
    ("2025-01-05_2025-02-20", dt.date(2025, 1, 5), dt.date(2025, 2, 20)),
])
def test_keys_round_trip(key, start, end):
    period = periods.parse(key)
    assert (period.start, period.end) == (start, end)
    assert period.key == key


def test_kenyan_financial_year_runs_july_to_june():
    assert periods.containing("fy", dt.date(2026, 6, 30)).key == "FY2025"
    assert periods.containing("fy", dt.date(2026, 7, 1)).key == "FY2026"


def test_trend_is_the_last_eight_periods_oldest_first():
    trend = periods.parse("2025-Q1").trend(8)
    assert [p.key for p in trend] == ["2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2",
                                      "2024-Q3", "2024-Q4", "2025-Q1"]
    custom = periods.parse("2025-01-11_2025-01-20").trend(3)
    assert [p.key for p in custom] == ["2024-12-22_2024-12-31", "2025-01-01_2025-01-10",
                                       "2025-01-11_2025-01-20"]


def test_last_complete_quarter():
    assert periods.last_complete("quarter", dt.date(2025, 5, 17)).key == "2025-Q1"
    assert periods.last_complete("quarter", dt.date(2025, 1, 1)).key == "2024-Q4"


def test_nairobi_midnight_bounds_in_utc():
    period = periods.parse("2025-03")
    assert period.utc_start == dt.datetime(2025, 2, 28, 21, 0)
    assert period.utc_end == dt.datetime(2025, 3, 31, 21, 0)


@pytest.mark.parametrize("key", ["", "2025-13", "2025-Q5", "FY", "1999", "2025-03-10_2025-03-01",
                                 "2020-01-01_2025-01-01", "2025-02-30_2025-03-01", "x" * 200])
def test_bad_keys_are_refused_with_a_message(key, app):
    with app.test_request_context(), pytest.raises(PeriodError) as refused:
        periods.parse(key)
    assert str(refused.value.message)


def test_end_before_start_says_so(app):
    with app.test_request_context(), pytest.raises(PeriodError) as refused:
        periods.custom(dt.date(2025, 3, 10), dt.date(2025, 3, 1))
    assert "before" in str(refused.value.message)


def test_a_refusal_outside_a_request_has_its_message(app):
    """The command line and the worker have no request: a refused period (or
    any rule) still carries its message instead of crashing on the language."""
    with app.app_context(), pytest.raises(PeriodError) as refused:
        periods.parse("2025-Q9")
    assert str(refused.value) == "This is not a period Kituo knows."

"""Cached figures: kept per metric, period and breakdown; cleared by the
database when data of that period (or an earlier date) changes; a figure
computed while data changed is not kept."""
import datetime as dt

from app.members.models import Member
from app.registry import registry
from app.reports import cache, engine, periods
from app.reports.engine import Request
from app.reports.models import ResultCache
from tests.reports_helpers import member

D = dt.date


def _figure(key, period_key, by=()):
    figures, left = engine.figures([Request(key, periods.parse(period_key), (), by)])
    assert not left
    return next(iter(figures.values())).value


def _cached(period_key):
    return {r.metric for r in ResultCache.select().where(ResultCache.period_key == period_key)}


def test_figures_are_kept_and_reused(conn):
    member(D(2025, 2, 3))
    assert _figure("members.referred", "2025-Q1") == 1
    assert "members.referred" in _cached("2025-Q1")
    # Change the stored figure itself: the next request reads it, not the records.
    ResultCache.update(value="[7, 7]").where(ResultCache.period_key == "2025-Q1").execute()
    assert _figure("members.referred", "2025-Q1") == 7


def test_a_change_clears_the_periods_it_touches_and_later_ones_only(conn):
    member(D(2024, 5, 1))
    person = member(D(2025, 2, 3))
    for key in ("2024-Q2", "2025-Q1", "2025"):
        _figure("members.referred", key)
    assert _cached("2024-Q2") and _cached("2025-Q1") and _cached("2025")
    Member.update(gender="male").where(Member.id == person.id).execute()
    assert _cached("2024-Q2") == {"members.referred"}      # before the member joined
    assert _cached("2025-Q1") == set() and _cached("2025") == set()
    assert _figure("members.referred", "2025-Q1", ("gender",)) == {("male",): 1}


def test_a_new_row_dated_in_an_old_period_clears_it(conn):
    _figure("members.referred", "2024-Q2")
    assert _cached("2024-Q2")
    member(D(2024, 5, 1))
    assert not _cached("2024-Q2")
    assert _figure("members.referred", "2024-Q2") == 1


def test_a_figure_computed_while_the_data_changed_is_not_kept(conn):
    period = periods.parse("2025-Q1")
    cache.ensure_triggers()
    before = cache.last_change_id()
    member(D(2025, 2, 3))                  # changes after the computation began
    kept = cache.store([("members.referred", period, "", (0, 0))], before)
    assert kept == 0 and not _cached("2025-Q1")
    assert cache.store([("members.referred", period, "", (1, 1))], cache.last_change_id()) == 1


def test_every_metric_source_has_its_triggers(conn):
    cache.ensure_triggers()
    from app.db import db
    names = {row[0] for row in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
    for table in cache.sources():
        assert {f"kituo_log_{table}_{e}" for e in ("ins", "upd", "del")} <= names
    assert registry().metrics


def test_pruning_keeps_recent_changes(conn):
    cache.ensure_triggers()
    member(D(2025, 2, 3))
    assert cache.prune() == (0, 0)
    from app.clock import utcnow
    assert cache.prune(utcnow() + dt.timedelta(days=2))[0] >= 1


def test_a_lost_trigger_is_made_again_and_the_kept_figures_forgotten(conn):
    """A migration that rebuilds a table drops its triggers: changes would
    go unlogged, so when a trigger has to be made again nothing kept is trusted."""
    from app.db import db
    _figure("members.referred", "2025-Q1")
    assert _cached("2025-Q1")
    db.execute_sql('DROP TRIGGER "kituo_log_member_upd"')
    cache._installed.clear()
    cache.ensure_triggers()
    assert not _cached("2025-Q1")
    names = {r[0] for r in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
    assert "kituo_log_member_upd" in names

"""Computed figures are kept per metric, period and breakdown (ResultCache)
and cleared when the period's data changes.

How a change clears them: every table a metric reads (its `sources`) has
database triggers (ensure_change_log below) that log, for each inserted,
changed or deleted row, the earliest date that row touches (DataChange);
a trigger on that log deletes the cached figures of every period ending on
or after that date, in the same transaction as the change. A figure being
computed while data changes is not kept: it is stored only if no change
touching its period was logged since the computation began.
"""
from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

from app.clock import utcnow
from app.db import Prepared, db
from app.registry import registry
from app.reports.models import ChartCache, DataChange, ResultCache

_installed: set = set()


def sources() -> dict[str, set[str]]:
    """{table: date columns} read by the registered metrics."""
    tables: dict[str, set[str]] = {}
    for metric in registry().metrics:
        for model, columns in metric.sources:
            tables.setdefault(model._meta.table_name, set()).update(
                c if c == "*" else model._meta.fields[c].column_name for c in columns)
    return tables


def ensure_triggers() -> None:
    """Before the first figure is stored (once per process and database)."""
    key = (db.obj.database, tuple(sorted((t, tuple(sorted(c))) for t, c in sources().items())))
    if key in _installed:
        return
    made = ensure_change_log(sources(), DataChange._meta.table_name, "since", "at",
                             ResultCache._meta.table_name, "period_end")
    if made:
        # A trigger was missing (a new database, a new metric, or a migration
        # that rebuilt a table and dropped it): changes may have gone unlogged,
        # so no kept figure can be trusted.
        clear()
    _installed.add(key)


def last_change_id() -> int:
    return DataChange.select(DataChange.id).order_by(DataChange.id.desc()).scalar() or 0


def spec_of(filters: dict | None, by: tuple = ()) -> str:
    """A stable text for filters and breakdowns: "by=gender,county;county=Kisumu"."""
    if not filters and not by:
        return ""
    parts = [f"by={','.join(by)}"] if by else []
    parts += [f"{k}={'' if v is None else v}" for k, v in sorted((filters or {}).items())]
    return ";".join(parts)


def _encode(figure) -> str:
    """(value, support) as JSON; breakdowns as rows [values..., value, support]."""
    value, support = figure
    if isinstance(value, dict):
        return json.dumps([list(k) + [v, support.get(k, v)] for k, v in value.items()])
    return json.dumps([value, support])


def _decode(text: str, by: bool):
    if not by:
        return _decode_number(text)
    data = json.loads(text)
    return ({tuple(row[:-2]): row[-2] for row in data},
            {tuple(row[:-2]): row[-1] for row in data})


@lru_cache(maxsize=4096)
def _decode_number(text: str) -> tuple:
    """(value, support) of a kept figure that is one number, decoded once
    per worker: the text is all it depends on, aggregate counts of the
    centre (a year report reads ~270 of them)."""
    return tuple(json.loads(text))


# The report page (a key page, DESIGN §10) reads ~370 kept figures: the
# query is built once per worker (app.db.Prepared; README, performance).
_kept = Prepared(lambda param: (
    ResultCache.select(ResultCache.metric, ResultCache.period_key, ResultCache.spec,
                       ResultCache.value)
    .where(ResultCache.metric.in_(param("metrics", ResultCache.metric, many=True))
           & ResultCache.period_key.in_(param("periods", ResultCache.period_key, many=True))
           & ResultCache.spec.in_(param("specs", ResultCache.spec, many=True)))))


def lookup(wanted: list[tuple[str, str, str]]) -> dict:
    """{(metric key, period key, spec): value} of the cached ones among
    `wanted` ((metric key, period key, spec) triples), in one query."""
    if not wanted:
        return {}
    keys = set(wanted)
    metrics, periods, specs = (sorted(set(column)) for column in zip(*keys))
    rows = _kept.all(metrics=metrics, periods=periods, specs=specs)
    return {(m, p, s): _decode(v, s.startswith("by=")) for m, p, s, v in rows
            if (m, p, s) in keys}


def store(results: list[tuple[str, object, str, object]], change_id: int) -> int:
    """Keep computed figures ((metric key, period, spec, value)) unless the
    data of their period changed after `change_id`. Returns how many kept."""
    if not results:
        return 0
    ensure_triggers()
    with db.atomic():
        touched = DataChange.select(DataChange.since).where(DataChange.id > change_id)
        earliest = touched.order_by(DataChange.since).scalar()
        rows = [{"metric": m, "period_key": p.key, "spec": s, "period_end": p.end,
                 "value": _encode(v), "change_id": change_id, "computed_at": utcnow()}
                for m, p, s, v in results if earliest is None or p.end < earliest]
        if rows:
            (ResultCache.insert_many(rows)
             .on_conflict_replace().execute())
    return len(rows)


def clear() -> int:
    """Forget every figure (after a restore or an upgrade)."""
    return ResultCache.delete().execute()


def chart(digest: str) -> tuple[str, str] | None:
    """(svg, spec) of a named chart; svg is "" until drawn."""
    row = (ChartCache.select(ChartCache.svg, ChartCache.spec)
           .where(ChartCache.digest == digest).tuples().first())
    return tuple(row) if row else None


# The report page names its ~30 charts on every view: built once per worker
# (app.db.Prepared; README, performance).
_stored_charts = Prepared(lambda param: (
    ChartCache.select(ChartCache.digest)
    .where(ChartCache.digest.in_(param("digests", ChartCache.digest, many=True)))))


def want_charts(specs: dict[str, str]) -> None:
    """Name charts (digest -> spec JSON) that are not stored yet."""
    if not specs:
        return
    have = {d for (d,) in _stored_charts.all(digests=sorted(specs))}
    missing = [{"digest": d, "spec": s, "svg": "", "used_at": utcnow()}
               for d, s in specs.items() if d not in have]
    if missing:
        with db.atomic():
            ChartCache.insert_many(missing).on_conflict_ignore().execute()


def keep_chart(digest: str, svg: str) -> None:
    with db.atomic():
        ChartCache.update(svg=svg, used_at=utcnow()).where(ChartCache.digest == digest).execute()


def prune(now: dt.datetime | None = None) -> tuple[int, int]:
    """Hourly: the change log older than a day (no computation runs that
    long) and charts not shown for 30 days."""
    now = now or utcnow()
    with db.atomic():
        changes = DataChange.delete().where(DataChange.at < now - dt.timedelta(days=1)).execute()
        charts_gone = ChartCache.delete().where(
            ChartCache.used_at < now - dt.timedelta(days=30)).execute()
    return changes, charts_gone


# --- the change log (SQLite triggers) ---------------------------------------
# A trigger function on PostgreSQL will do the same when Kituo moves there.

def _trigger_statements(source: str, date_columns, log_table: str, log_column: str,
                        at_column: str) -> dict[str, str]:
    """name -> CREATE TRIGGER: after every INSERT, UPDATE or DELETE on
    `source`, one row in `log_table` holding the earliest date of the row
    (its old and new `date_columns`, and today; "*" in `date_columns`: the
    earliest date there is)."""
    def earliest(*rows: str) -> str:
        if "*" in date_columns:          # any change touches every period
            return "'0001-01-01'"
        dates = [f'COALESCE(date({row}."{column}"), \'9999-12-31\')'
                 for row in rows for column in date_columns]
        return f"MIN({', '.join(dates + ['date(' + repr('now') + ')'])})"
    insert = (f'INSERT INTO "{log_table}" ("{log_column}", "{at_column}") '
              f"VALUES ({{}}, datetime('now'));")
    events = {"ins": ("INSERT", earliest("NEW")), "upd": ("UPDATE", earliest("OLD", "NEW")),
              "del": ("DELETE", earliest("OLD"))}
    return {f"kituo_log_{source}_{suffix}":
            f'CREATE TRIGGER "kituo_log_{source}_{suffix}" AFTER {event} ON "{source}" '
            f"BEGIN {insert.format(expression)} END"
            for suffix, (event, expression) in events.items()}


def ensure_change_log(sources: dict, log_table: str, log_column: str, at_column: str,
                      cache_table: str, cache_column: str) -> int:
    """Keep a log of changes to the tables in `sources` ({table: [date
    columns]}) in `log_table`, and clear rows of `cache_table` whose
    `cache_column` (a date) is on or after a logged date as soon as it is
    logged. Idempotent: creates what is missing, replaces a trigger whose
    definition changed. Returns how many triggers it (re)created."""
    wanted = {}
    for source, columns in sorted(sources.items()):
        wanted.update(_trigger_statements(source, sorted(columns), log_table, log_column,
                                          at_column))
    clear = f"kituo_clear_{cache_table}"
    wanted[clear] = (f'CREATE TRIGGER "{clear}" AFTER INSERT ON "{log_table}" BEGIN '
                     f'DELETE FROM "{cache_table}" WHERE "{cache_column}" >= NEW."{log_column}"; END')
    have = dict(db.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'kituo_%'"
    ).fetchall())
    changed = [name for name, sql in wanted.items() if have.get(name) != sql]
    if changed:
        with db.atomic():
            for name in changed:
                db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
                db.execute_sql(wanted[name])
    return len(changed)

"""Database: one peewee DatabaseProxy, SQLite pragmas, per-request
connections, BaseModel and the small query helpers every module shares.

Everything else uses peewee's query API so the code can move to PostgreSQL
later. The few places that know it is SQLite: this module, app/migrations.py
(the migration mechanism: table rebuilds, foreign-key checks),
app/backups/snapshots.py (online backup API, copies of the file) and
app/storage.py (SQLite's error codes for a full disk; the in-use lock) and
app/members/search_index.py (the members search's FTS5 index).
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Callable

import peewee as pw

from app.clock import CALENDAR_FIRST, CALENDAR_LAST, YEAR_FIRST
from app.clock import utcnow  # noqa: F401  (the stored form of "now"; import it from app.clock)
from app.storage import hold_in_use

db = pw.DatabaseProxy()

# Power cuts are common: FULL sync; WAL so readers never block the writer.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "cache_size": -8000,
    # What is deleted or overwritten (an anonymised member's name, the search
    # index's old pieces of it) is overwritten with zeros in the file too.
    "secure_delete": 1,
}

ALL_MODELS: list[type[pw.Model]] = []


# The largest integer SQLite stores (signed 64 bits): ids and numbers from
# URLs, forms and query strings are checked against it before any query.
MAX_INTEGER = 2 ** 63 - 1


class BaseModel(pw.Model):
    class Meta:
        database = db
        legacy_table_names = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not getattr(cls._meta, "abstract", False):
            ALL_MODELS.append(cls)


def get_or_404(query_or_model, *where):
    """The row that `query_or_model` (a model, or a select query already
    scoped to what the user may see) selects with the `where` conditions,
    or a 404 page; as playhouse.flask_utils.get_object_or_404:

        member = get_or_404(services.visible_members(current_user), Member.id == member_id)
        step = get_or_404(InductionStep, InductionStep.id == step_id)

    A value the database cannot hold (a number beyond its integers, a
    malformed uuid) is a 404 as well, never a 500."""
    from flask import abort
    query = query_or_model if isinstance(query_or_model, pw.SelectBase) else query_or_model.select()
    if where:
        query = query.where(*where)
    try:
        row = query.first()
    except (OverflowError, ValueError):
        row = None
    if row is None:
        abort(404)
    return row


class SchemaVersion(BaseModel):
    version = pw.IntegerField()
    applied_at = pw.DateTimeField(default=utcnow)


def database_folder() -> Path:
    """The folder of the bound database file (its disk is the data's disk)."""
    return Path(os.path.dirname(os.path.abspath(db.obj.database)))


def make_database(path: str) -> pw.Database:
    """Writing transactions start as IMMEDIATE (no SQLITE_BUSY_SNAPSHOT)."""
    return pw.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                             check_same_thread=False)


def init_app(app) -> None:
    """Bind the proxy. The connection is opened by the first request a worker
    serves (so always after gunicorn's fork, never at import) and then kept
    for that worker thread: opening SQLite and setting its pragmas on every
    request cost a third of a page's time. Each request leaves it outside
    any transaction (peewee's atomic() commits or rolls back)."""
    if db.obj is None or getattr(db.obj, "database", None) != app.config["DATABASE"]:
        db.initialize(make_database(app.config["DATABASE"]))
    if app.config.get("HOLD_DATABASE", not app.config.get("TESTING")):
        hold_in_use(app.config["DATABASE"], app.logger)

    @app.before_request
    def _open_connection():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _end_request(_exc):
        if not db.is_closed() and db.in_transaction():
            db.rollback()  # never carry a half-done write into the next request


class _Slot:
    """A named parameter of a Prepared query or of BulkInsert's INSERT,
    filled in when it runs: converted by `field` (a Prepared parameter
    given a field), or a list of values (`many`)."""
    __slots__ = ("name", "field", "many")

    def __init__(self, name: str, field: pw.Field | None = None, many: bool = False):
        self.name, self.field, self.many = name, field, many

    def value(self, values: dict):
        value = values[self.name]
        convert = self.field.db_value if self.field is not None else None
        if not self.many:
            return convert(value) if convert is not None and value is not None else value
        if isinstance(value, (str, bytes)):
            raise TypeError(f"parameter {self.name!r} takes a list of values")
        items = [convert(v) if convert is not None and v is not None else v for v in value]
        if isinstance(db.obj, pw.PostgresqlDatabase):
            return items
        import json
        return json.dumps(items, default=str)   # dates and datetimes as SQLite stores them


class _SlotNode(pw.Node):
    def __init__(self, name: str):
        self.name = name

    def __sql__(self, ctx):
        return ctx.value(_Slot(self.name), converter=False)


def _reads_as_given(field: pw.Field) -> bool:
    """The field reads the driver's value of its column as it is: a text
    field a str, an integer field an int (peewee's own python_value, which
    converts only other types), a foreign key to such a field."""
    if isinstance(field, pw.ForeignKeyField):
        return _reads_as_given(field.rel_field)
    kind = type(field)
    return kind.python_value is pw.Field.python_value and \
        kind.adapt in (pw.CharField.adapt, pw.IntegerField.adapt)


class Prepared:
    """A select built by peewee once (per kind of database) and run again
    with new values, for a query on a key page: peewee builds SQL anew each
    time it runs a query, 0.3-1.2 ms of Python for a typical select on this
    CPU, against the 0.03-0.15 ms SQLite needs to run it. Only peewee's
    public API: `pw.Value` placeholders, `.sql()`, `Database.execute_sql()`
    and each selected field's `db_value`/`python_value`.

    `build(param)` returns the select; `param(name)` stands for a value
    given when the query runs:
      - `param(name)`: handed to the driver as it is (str, int, None);
      - `param(name, field)`: a Python value, stored as `field` stores it
        (a date, a datetime, a bool, a model instance for a foreign key);
        None stays NULL;
      - `param(name, field, many=True)`: a list of such values, for
        `.in_(...)` / `.not_in(...)`: one JSON parameter read by SQLite's
        `json_each` (an array on PostgreSQL), so one SQL text serves every
        length; an empty list matches nothing.
    Each row is a tuple in the order of the select, values as the fields
    read them (a datetime, a bool; None stays None); a selected expression
    that is not a field (an aggregate) comes as the database gives it. A
    field with `.alias()` is read as that field. Text and integer fields
    (and foreign keys to them) read the driver's str and int as they are,
    so their values are taken without a call per value (a report reads
    ~400 rows of four text columns).

        by_token = Prepared(lambda param: UserSession.select(UserSession.id, User.username)
                            .join(User).where(UserSession.token_hash == param("token")))
        row = by_token.first(token=token_hash)    # (id, username) or None
        soon = Prepared(lambda param: Booking.select(Booking.id, Booking.starts_at)
                        .where(Booking.member.in_(param("members", Booking.member, many=True))
                               & (Booking.starts_at >= param("start", Booking.starts_at))))
        rows = soon.all(members=[3, 4], start=utcnow())    # [(id, starts_at), ...]

    With `row=` a NamedTuple class, each row comes as that class instead
    of a plain tuple; its field names must be the selected columns' names
    (a field's name, or its alias), in order, checked when the query is
    built: a row never holds a field its select left out.

        class Buddy(NamedTuple):
            id: int
            code: str
        buddies = Prepared(lambda param: Member.select(Member.id, Member.code)
                           .where(Member.buddy == param("member")), row=Buddy)

    A missing or unknown value name raises TypeError. The query is still
    written once: the service that needs it runs it through Prepared, with
    no second plain-peewee copy. Use it only where `scripts/bench` shows
    the cost matters, and list it in the README's performance section."""

    def __init__(self, build: Callable[..., pw.SelectBase], row: type | None = None):
        self._build, self._row = build, row
        self._compiled: dict[type, tuple] = {}

    @staticmethod
    def _param(name: str, field: pw.Field | None = None, many: bool = False) -> pw.Node:
        slot = pw.Value(_Slot(name, field, many), converter=False)
        if not many:
            return slot
        if isinstance(db.obj, pw.PostgresqlDatabase):
            return pw.NodeList((pw.SQL("(SELECT unnest("), slot, pw.SQL("))")), glue="")
        return pw.NodeList((pw.SQL("(SELECT value FROM json_each("), slot, pw.SQL("))")),
                           glue="")

    def _compile(self) -> tuple:
        kind = type(db.obj)
        if kind not in self._compiled:
            query = self._build(self._param)
            sql, params = query.sql()
            readers, selected = [], []
            for column in query.selected_columns:
                selected.append(getattr(column, "name", None))   # a field's, or its alias
                column = column.unwrap() if isinstance(column, pw.Alias) else column
                readers.append(column.python_value if isinstance(column, pw.Field)
                               and not _reads_as_given(column) else None)
            readers = readers if any(readers) else None
            if self._row is not None and tuple(selected) != tuple(self._row._fields):
                raise TypeError(f"{self._row.__name__} has the fields {self._row._fields}, "
                                f"the query selects {tuple(selected)}")
            names = {p.name for p in params if isinstance(p, _Slot)}
            self._compiled[kind] = (sql, params, readers, names)
        return self._compiled[kind]

    def _run(self, values: dict):
        sql, params, readers, names = self._compile()
        if set(values) != names:
            raise TypeError(f"Prepared query takes the values {sorted(names)}, "
                            f"was given {sorted(values)}")
        cursor = db.execute_sql(sql, [p.value(values) if isinstance(p, _Slot) else p
                                      for p in params])
        return cursor, readers

    def _read(self, readers, row) -> tuple:
        if readers is None:      # every value as the driver gives it (a tuple)
            return row if self._row is None else self._row(*row)
        values = [read(value) if read is not None and value is not None else value
                  for read, value in zip(readers, row)]
        return tuple(values) if self._row is None else self._row(*values)

    def first(self, **values) -> tuple | None:
        """The first row, or None."""
        cursor, readers = self._run(values)
        row = cursor.fetchone()
        return None if row is None else self._read(readers, row)

    def all(self, **values) -> list[tuple]:
        """Every row, in the order of the select."""
        cursor, readers = self._run(values)
        rows = cursor.fetchall()
        if readers is None:
            return rows if self._row is None else list(map(self._row._make, rows))
        return [self._read(readers, row) for row in rows]


def whole_row(model, values):
    """A `model` instance from the values of all its fields in the order
    of `model._meta.sorted_fields` (what `select(model)` gives): a row of
    a Prepared query read as a whole model, never a partial one."""
    return model(**dict(zip(model._meta.sorted_field_names, values)))


def whole_rows(values, *models) -> tuple:
    """One instance per model from a row of `select(*models)` (each model's
    fields in turn), as whole_row makes them; the caller links them
    (`enrolment.klass = klass`), as peewee does for a join."""
    rows, start = [], 0
    for model in models:
        end = start + len(model._meta.sorted_field_names)
        rows.append(whole_row(model, values[start:end]))
        start = end
    if start != len(values):
        raise ValueError(f"a row of {len(values)} values for {start} fields")
    return tuple(rows)


class BulkInsert:
    """Many rows through one prepared INSERT that the driver runs for each
    row (executemany): for big inserts inside a transaction that must stay
    short. Building a multi-row INSERT costs peewee ~0.1 ms per value, ten
    times what the database needs to store it.

        bulk = BulkInsert(Member, last=("number", "code"))
        rows = [bulk.row(values) for values in many]      # before the transaction
        with db.atomic():
            bulk.run([row + (number, code) for ...])      # values of `last` at the end

    `row()` applies the fields' defaults and converts to database form, in
    the order of `bulk.fields`; the caller appends the `last` fields' values,
    already in database form (int, str, None)."""

    def __init__(self, model, last: tuple[str, ...] = ()):
        tail = [model._meta.fields[name] for name in last]
        self.fields = [f for f in model._meta.sorted_fields      # (fields compare as SQL:
                       if not isinstance(f, pw.AutoField) and f.name not in last] + tail  # by name)
        self._head = self.fields[:len(self.fields) - len(tail)]
        self._defaults = model._meta.defaults
        query = model.insert_many([[_SlotNode(f.name) for f in self.fields]], fields=self.fields)
        self._sql, params = query.sql()
        if [getattr(p, "name", None) for p in params] != [f.name for f in self.fields]:
            raise RuntimeError(f"unexpected INSERT parameters for {model.__name__}")

    def row(self, data: dict) -> tuple:
        values = []
        for field in self._head:
            if field.name in data:
                value = data[field.name]
            elif field in self._defaults:
                value = self._defaults[field]
                value = value() if callable(value) else value
            else:
                value = None
            values.append(field.db_value(value))
        return tuple(values)

    def run(self, rows: list[tuple]) -> None:
        if rows:
            db.cursor().executemany(self._sql, rows)


def retry_when_locked(write: Callable[[], object], attempts: int = 6, first_wait: float = 0.2,
                      sleep: Callable[[float], None] | None = None):
    """Run `write()` (a short write), again if the database stays locked
    beyond its busy timeout: for writes that must not be lost, such as the
    final state of a job (a job that failed but could not say so would poll
    "running" for ever). The waits double (0.2 s, 0.4 s, ...); the last
    failure is raised."""
    import time
    sleep = sleep or time.sleep
    if db.in_transaction():   # part of a larger write: that one decides
        return write()
    for attempt in range(attempts):
        try:
            return write()
        except pw.OperationalError as error:
            text = str(error).lower()
            if attempt == attempts - 1 or ("locked" not in text and "busy" not in text):
                raise
            sleep(first_wait * 2 ** attempt)
    return None


def in_calendar(*columns: str) -> list[pw.SQL]:
    """CHECK constraints for a model's Meta.constraints: each date or
    datetime column (NULL allowed) lies within CALENDAR_FIRST..CALENDAR_LAST.
    Stored dates are ISO text here, so the comparison is the text's; a real
    DATE column (PostgreSQL) casts the literals."""
    first, after = CALENDAR_FIRST.isoformat(), (CALENDAR_LAST + dt.timedelta(days=1)).isoformat()
    return [pw.SQL(f"CHECK ({c} IS NULL OR ({c} >= '{first}' AND {c} < '{after}'))")
            for c in columns]


def years_in_calendar(*columns: str) -> list[pw.SQL]:
    """CHECK constraints: each integer year column (NULL allowed) lies in
    YEAR_FIRST..CALENDAR_LAST.year."""
    return [pw.SQL(f"CHECK ({c} IS NULL OR {c} BETWEEN {YEAR_FIRST} "
                   f"AND {CALENDAR_LAST.year})") for c in columns]


def string_agg(field, separator: str = ","):
    """Aggregate strings of a group into one (GROUP_CONCAT on SQLite,
    STRING_AGG on PostgreSQL)."""
    if isinstance(db.obj, pw.PostgresqlDatabase):
        return pw.fn.STRING_AGG(field, separator)
    return pw.fn.GROUP_CONCAT(field, separator)


def protect_rows(model, mutable: tuple[str, ...] = ()) -> None:
    """Make the database itself refuse to DELETE rows of `model` or to
    UPDATE any column except those in `mutable` (SQLite triggers; a ledger
    is append-only whatever the code does). Safe to run again."""
    table = model._meta.table_name
    fixed = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields
                      if f.name not in mutable and not isinstance(f, pw.AutoField))
    message = f"{table}: rows are never changed or deleted"
    db.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON "{table}" '
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
    db.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{table}_no_update" BEFORE UPDATE OF {fixed} '
                   f"ON \"{table}\" BEGIN SELECT RAISE(ABORT, '{message}'); END")


def month_of(field, utc_offset_hours: int = 0):
    """The "YYYY-MM" of a date (or of a naive-UTC datetime shifted to local
    time, e.g. +3 for Nairobi, which keeps no summer time), in SQL."""
    if isinstance(db.obj, pw.PostgresqlDatabase):
        shifted = field + pw.SQL(f"interval '{int(utc_offset_hours)} hours'") \
            if utc_offset_hours else field
        return pw.fn.to_char(shifted, "YYYY-MM")
    if utc_offset_hours:
        return pw.fn.strftime("%Y-%m", field, f"{int(utc_offset_hours):+d} hours")
    return pw.fn.strftime("%Y-%m", field)


def year_of(field):
    """The "YYYY" of a date, in SQL."""
    if isinstance(db.obj, pw.PostgresqlDatabase):
        return pw.fn.to_char(field, "YYYY")
    return pw.fn.strftime("%Y", field)

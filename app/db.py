"""Database: one peewee DatabaseProxy, SQLite pragmas, per-request
connections and ordered schema migrations.

This is the only module that may know it is talking to SQLite. Everything
else uses peewee's query API so the code can move to PostgreSQL later.
"""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import peewee as pw
from playhouse.migrate import SchemaMigrator

from app.clock import CALENDAR_FIRST, CALENDAR_LAST, YEAR_FIRST
from app.clock import utcnow  # noqa: F401  (the stored form of "now"; import it from app.clock)

db = pw.DatabaseProxy()

# Power cuts are common: FULL sync; WAL so readers never block the writer.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "cache_size": -8000,
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
    """A named parameter of BulkInsert's INSERT, filled in for each row."""
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class _SlotNode(pw.Node):
    def __init__(self, name: str):
        self.name = name

    def __sql__(self, ctx):
        return ctx.value(_Slot(self.name), converter=False)


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


# --- migrations -----------------------------------------------------------

@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[SchemaMigrator], None]
    on_new_database: bool = False


MIGRATIONS: list[Migration] = []


def migration(version: int, name: str, on_new_database: bool = False):
    """Register an ordered schema step. Each applied step is stored, so a step
    runs once, in version order, in its own transaction. A new database is
    created from the current models and stamped with every step; a data step
    that every database needs (default lists, say) passes
    `on_new_database=True` and also runs there, right after the tables are
    created, in the same transaction."""
    def register(func):
        if any(m.version == version for m in MIGRATIONS):
            raise ValueError(f"duplicate migration version {version}")
        MIGRATIONS.append(Migration(version, name, func, on_new_database))
        MIGRATIONS.sort(key=lambda m: m.version)
        return func
    return register


def latest_version() -> int:
    return MIGRATIONS[-1].version if MIGRATIONS else 0


def applied_versions() -> set[int] | None:
    """Versions of the steps already applied; None for an empty database."""
    if not db.table_exists(SchemaVersion._meta.table_name):
        return None
    return {row.version for row in SchemaVersion.select(SchemaVersion.version)}


def current_version() -> int | None:
    applied = applied_versions()
    if applied is None:
        return None
    return max(applied, default=0)


def create_tables(models) -> None:
    db.create_tables(models, safe=True)


def add_column_if_missing(migrator: SchemaMigrator, model, field_name: str) -> None:
    table = model._meta.table_name
    existing = {c.name for c in db.get_columns(table)}
    field = model._meta.fields[field_name]
    if field.column_name not in existing:
        pw_migrate(migrator.add_column(table, field.column_name, field))


def drop_index_if_exists(name: str) -> None:
    """Drop an index a later step replaced (SQLite and PostgreSQL spell it alike)."""
    db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


def pw_migrate(*operations) -> None:
    from playhouse.migrate import migrate
    migrate(*operations)


def upgrade() -> list[str]:
    """Bring the database to the latest version. Returns what was done."""
    done: list[str] = []
    with db.connection_context():
        applied = applied_versions()
        if applied is None:
            with db.atomic():
                create_tables(ALL_MODELS)
                migrator = SchemaMigrator.from_database(db.obj)
                for step in MIGRATIONS:
                    if step.on_new_database:
                        step.apply(migrator)
                SchemaVersion.insert_many(
                    [{"version": m.version} for m in MIGRATIONS]).execute()
            return [f"created schema version {latest_version()}"]
        migrator = SchemaMigrator.from_database(db.obj)
        with foreign_keys_off():
            for step in MIGRATIONS:
                if step.version in applied:
                    continue
                with db.atomic():
                    step.apply(migrator)
                    check_foreign_keys()
                    SchemaVersion.create(version=step.version)
                done.append(f"{step.version:04d} {step.name}")
    return done


def rebuild_table(model) -> None:
    """Recreate `model`'s table from the model as it is now, keeping its
    rows and indexes: how a migration adds CHECK constraints to an existing
    table on SQLite, which cannot ALTER them in (SQLite's documented
    create-copy-drop-rename procedure; upgrade() runs steps with foreign
    keys off and checks them before commit). Rows the new constraints
    refuse must be repaired first (clamp_to_calendar)."""
    table = model._meta.table_name
    new = f"{table}__rebuilt"
    existing = {column.name for column in db.get_columns(table)}
    columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields
                        if f.column_name in existing)
    sql, params = model._schema._create_table(safe=False).query()
    db.execute_sql(sql.replace(f'"{table}"', f'"{new}"', 1), params)
    db.execute_sql(f'INSERT INTO "{new}" ({columns}) SELECT {columns} FROM "{table}"')
    db.execute_sql(f'DROP TABLE "{table}"')
    db.execute_sql(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    model._schema.create_indexes(safe=True)


def add_calendar_checks(model, *field_names: str) -> None:
    """A migration step: the model now declares in_calendar (or
    years_in_calendar) constraints on these fields; repair the rows they
    would refuse, then rebuild the table with them."""
    clamp_to_calendar(model, *field_names)
    rebuild_table(model)


def clamp_to_calendar(model, *field_names: str) -> int:
    """Before in_calendar constraints are added: a stored date outside the
    calendar range (a leave typed as starting 0002-01-01) is moved to the
    nearest end of the range, and each change is audited with the value it
    had, so nothing is lost silently. Returns how many values moved."""
    from app import audit
    moved = 0
    for name in field_names:
        field = model._meta.fields[name]
        if isinstance(field, pw.IntegerField):   # a year
            moved += _unknown_years(model, field)
            continue
        with_time = isinstance(field, pw.DateTimeField)
        first = dt.datetime.combine(CALENDAR_FIRST, dt.time()) if with_time else CALENDAR_FIRST
        last = dt.datetime.combine(CALENDAR_LAST, dt.time(23, 59)) if with_time else CALENDAR_LAST
        column = pw.SQL(f'"{field.column_name}"')
        low, high = CALENDAR_FIRST.isoformat(), (CALENDAR_LAST + dt.timedelta(days=1)).isoformat()
        odd = (model.select(model._meta.primary_key, column.alias("odd"))
               .where(column.is_null(False) & ((column < low) | (column >= high))).dicts())
        for row in list(odd):
            key = row[model._meta.primary_key.name]
            value = first if str(row["odd"]) < low else last
            model.update({field: value}).where(model._meta.primary_key == key).execute()
            audit.record("data.repaired", model._meta.table_name, key,
                         f"{name} was {str(row['odd'])[:40]}, outside the calendar: "
                         f"set to {value}")
            moved += 1
    return moved


def _unknown_years(model, field) -> int:
    """A year outside the calendar (birth year 19 or 20266) is not known."""
    from app import audit
    key = model._meta.primary_key
    odd = list(model.select(key, field).where(
        field.is_null(False) & ((field < YEAR_FIRST) | (field > CALENDAR_LAST.year)))
        .tuples())
    for row_id, year in odd:
        model.update({field: None}).where(key == row_id).execute()
        audit.record("data.repaired", model._meta.table_name, row_id,
                     f"{field.name} was {year}, outside the calendar: set to unknown")
    return len(odd)


@contextmanager
def foreign_keys_off():
    """SQLite rebuilds a table to add a NOT NULL column or change one: with
    foreign keys on, dropping the old table would CASCADE-delete every row
    that points at it (a user's roles, say). The SQLite-documented way is to
    switch them off (outside a transaction) and check them before commit."""
    db.execute_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        db.execute_sql("PRAGMA foreign_keys=ON")


def check_foreign_keys() -> None:
    broken = db.execute_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left {len(broken)} broken references, e.g. {broken[0]}")



# --- backup snapshots (SQLite file operations used by app/backups) ---------
# Everything SQLite-specific about backups lives here: the online backup API,
# integrity checks on a copy and reading a copy's tables.

def fsync_path(path) -> None:
    """Flush a file, or a folder's entries (after a create or a rename), to
    the disk: a power cut right after cannot undo it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file_and_folder(path) -> None:
    fsync_path(path)
    fsync_path(os.path.dirname(os.path.abspath(path)) or ".")


def snapshot_to(target, source: str | None = None) -> None:
    """Write a consistent copy of the live database to `target` while others
    keep writing, with SQLite's online backup API in a single step (one read
    transaction: in WAL mode writers never wait and the copy is one point in
    time). The copy is a self-contained file (rollback journal), fsynced."""
    import sqlite3
    source = source or db.obj.database
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    _fsync_file_and_folder(str(target))


def open_database_file(path, readonly: bool = True) -> pw.SqliteDatabase:
    """A separate peewee database on a file (a snapshot or a restored copy)."""
    if readonly:
        return pw.SqliteDatabase(f"file:{path}?mode=ro", uri=True, pragmas={"query_only": 1})
    return pw.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS)


def file_integrity_problems(path) -> list[str]:
    """`PRAGMA integrity_check` on a database file: [] when it is sound."""
    other = open_database_file(path)
    with other.connection_context():
        rows = [r[0] for r in other.execute_sql("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows


def file_row_counts(path) -> dict[str, int]:
    """Rows per table in a database file (peewee query API on each table)."""
    other = open_database_file(path)
    with other.connection_context():
        return {name: pw.Table(name).select().bind(other).count()
                for name in sorted(other.get_tables())}


def file_schema_version(path) -> int | None:
    other = open_database_file(path)
    with other.connection_context():
        if SchemaVersion._meta.table_name not in other.get_tables():
            return None
        table = pw.Table(SchemaVersion._meta.table_name)
        row = table.select(pw.fn.MAX(table.c.version)).bind(other).scalar()
        return row


# --- failed writes: a full disk, a disk error ------------------------------

SQLITE_IOERR, SQLITE_FULL = 10, 13


def write_failure(error: BaseException | None) -> str | None:
    """"full" when `error` (SQLite's own, as peewee wraps it, or the OS's)
    says the disk is full, "io" for a disk I/O error, else None."""
    seen, stack = set(), [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        code = getattr(current, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in (SQLITE_FULL, SQLITE_IOERR):
            return "full" if code & 0xFF == SQLITE_FULL else "io"
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return "full"
        if isinstance(current, OSError) and current.errno == errno.EIO:
            return "io"
        stack += [current.__cause__, current.__context__,
                  *(a for a in current.args if isinstance(a, BaseException))]
    return None


# --- the database in use: a restore never replaces it under a running process

class DatabaseInUse(Exception):
    """Another process (web, worker, command line) has the database open."""


_IN_USE: dict[str, int] = {}


def in_use_lock_path(database) -> str:
    return f"{database}-inuse"


def hold_in_use(database: str, logger=None) -> None:
    """Every Kituo process (web, worker, command line) holds a shared lock
    on DATABASE-inuse for as long as it runs (forked gunicorn workers share
    the master's); scripts/restore takes it exclusively, so it cannot keep
    the file aside while anything could still save into it. The kernel
    drops the lock when a process ends, however it ends."""
    if database == ":memory:" or database.startswith("file:"):
        return
    path = in_use_lock_path(os.path.abspath(database))
    if path in _IN_USE or not os.path.isdir(os.path.dirname(path)):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        if logger is not None:
            logger.warning("waiting: the database is being restored (scripts/restore)")
        fcntl.flock(fd, fcntl.LOCK_SH)
    _IN_USE[path] = fd


@contextmanager
def exclusive_use(database, owner: tuple[int, int] | None = None):
    """Hold DATABASE-inuse exclusively (a restore); raises DatabaseInUse,
    naming the processes that hold it, when Kituo is running."""
    path = in_use_lock_path(database)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if owner is not None:
            os.fchown(fd, *owner)   # created by root: the service must open it too
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(", ".join(_lock_holders(os.fstat(fd).st_ino))) from None
        yield
    finally:
        os.close(fd)


def _lock_holders(inode: int) -> list[str]:
    """"PID (program)" of the processes holding a flock on `inode`
    (/proc/locks names the process that took it)."""
    holders = []
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return holders
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
            pid = fields[4]
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                name = "?"
            holders.append(f"process {pid} ({name})")
    return sorted(set(holders))


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

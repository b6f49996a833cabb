"""Schema migrations: the mechanism (ordered, recorded steps; SQLite's
table rebuilds), then the core's own steps. Each module keeps its steps in
app/<module>/migrations.py and registers them with @migration here.

A new database is created from the current models and stamped with all
versions, so a step only ever runs on a database created before it. Write
each step for that case: add what the older schema lacks, keep the data.

    @migration(63, "members: ...")      # a step; the version range is the module's
    def _step(migrator): add_column_if_missing(migrator, Model, "field")
    upgrade()                           # `flask init-db`, deploy, restore, tests
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import peewee as pw
from playhouse.migrate import SchemaMigrator

from app.clock import CALENDAR_FIRST, CALENDAR_LAST, YEAR_FIRST
from app.db import ALL_MODELS, SchemaVersion, db


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
    rows, indexes and triggers (the members search index's, the reports
    cache's): how a migration adds CHECK constraints to an existing table
    on SQLite, which cannot ALTER them in (SQLite's documented
    create-copy-drop-rename procedure; upgrade() runs steps with foreign
    keys off and checks them before commit). Rows the new constraints
    refuse must be repaired first (clamp_to_calendar)."""
    table = model._meta.table_name
    new = f"{table}__rebuilt"
    triggers = [sql for (sql,) in db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))]
    existing = {column.name for column in db.get_columns(table)}
    columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields
                        if f.column_name in existing)
    sql, params = model._schema._create_table(safe=False).query()
    db.execute_sql(sql.replace(f'"{table}"', f'"{new}"', 1), params)
    db.execute_sql(f'INSERT INTO "{new}" ({columns}) SELECT {columns} FROM "{table}"')
    db.execute_sql(f'DROP TABLE "{table}"')
    db.execute_sql(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    model._schema.create_indexes(safe=True)
    for sql in triggers:     # DROP TABLE dropped them with the old table
        db.execute_sql(sql)


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


# --- the core's steps ----------------------------------------------------

@migration(1, "foundation: users, roles, sessions, audit, jobs")
def _baseline(migrator):
    from app.audit import AuditEvent
    from app.auth.models import LoginThrottle, SetupCode, User, UserRole, UserSession
    from app.jobs.models import Job
    create_tables([User, UserRole, UserSession, LoginThrottle, SetupCode, AuditEvent, Job])


@migration(2, "users: demo flag and password change time")
def _user_demo_flag(migrator):
    from app.auth.models import User
    add_column_if_missing(migrator, User, "is_demo")
    add_column_if_missing(migrator, User, "password_changed_at")


@migration(3, "auth: failed sign-ins since the last one, wrong current passwords per session")
def _failed_attempt_counts(migrator):
    from app.auth.models import User, UserSession
    add_column_if_missing(migrator, User, "failed_logins")
    add_column_if_missing(migrator, UserSession, "password_failures")


@migration(4, "jobs: a deadline after which a job still running counts as failed")
def _job_deadline(migrator):
    from app.jobs.models import Job
    add_column_if_missing(migrator, Job, "deadline_at")


@migration(10, "members: records, consent, induction checklist, meetings, imports")
def _members(migrator):
    from app.members.models import MODELS
    from app.members.services import ensure_defaults
    create_tables(MODELS)
    ensure_defaults()


@migration(30, "mentorship: mentor profiles, pairings, goals, session logs, corrections")
def _mentorship(migrator):
    from app.mentorship.models import MODELS
    create_tables(MODELS)


@migration(31, "safeguarding: concerns and their action log")
def _safeguarding(migrator):
    from app.safeguarding.models import MODELS
    create_tables(MODELS)


@migration(40, "counselling: availability, holidays, bookings, group sessions, notes, feeds")
def _counselling(migrator):
    from app.counselling.models import MODELS
    from app.counselling.services import ensure_defaults
    create_tables(MODELS)
    ensure_defaults()


@migration(70, "jobs: a printed document's name, the page it came from and how to retry it")
def _job_document(migrator):
    from app.jobs.models import Job
    for column in ("title", "person", "back_url", "retry_url", "opened_at"):
        add_column_if_missing(migrator, Job, column)

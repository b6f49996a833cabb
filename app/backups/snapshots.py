"""SQLite files for backups and restores: a consistent copy of the live
database taken while others write (SQLite's online backup API), and
integrity checks and row counts on such a copy.

    snapshot_to(target)                 # the live database, one point in time
    file_integrity_problems(path)       # [] when PRAGMA integrity_check is ok
    file_row_counts(path)               # {table: rows}, as the manifest keeps them
    file_schema_version(path)           # the copy's latest applied migration

With app/db.py, app/migrations.py and app/storage.py (SQLite's error codes),
this is where Kituo knows it runs on SQLite.
"""
from __future__ import annotations

import os

import peewee as pw

from app.db import SQLITE_PRAGMAS, SchemaVersion, db
from app.storage import fsync_path


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
    fsync_path(str(target))
    fsync_path(os.path.dirname(os.path.abspath(str(target))) or ".")


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

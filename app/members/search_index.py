"""The members search index: SQLite's FTS5 with the trigram tokenizer over
the columns the members list searches, so a search for part of a name
reads the index instead of comparing every member's row (LIKE '%q%' on
20,000 members cost ~10 ms of SQLite per search, the index ~1-2 ms).

The index holds no text of its own (external content: it reads the member
table) but it does hold every three-letter piece of each name and phone
number. Database triggers keep it in step with the member table in the
same transaction as each change. An anonymised member's old pieces would
stay in the index's older segments until SQLite merges them, so
anonymisation merges the index at once (`purge_removed`), and the database
runs with `secure_delete` (app.db.SQLITE_PRAGMAS), which overwrites the
freed pages.

SQLite-specific, like app/db.py: a move to PostgreSQL would replace this
module with a pg_trgm index.
"""
from __future__ import annotations

from playhouse.sqlite_ext import FTS5Model, SearchField

from app.db import db

TABLE = "member_search"
COLUMNS = ("code", "preferred_name", "legal_name", "phone")
SHORTEST = 3     # the trigram index matches pieces of at least three characters


class MemberSearch(FTS5Model):
    code = SearchField()
    preferred_name = SearchField()
    legal_name = SearchField()
    phone = SearchField()

    class Meta:
        database = db
        table_name = TABLE
        options = {"content": "member", "content_rowid": "id", "tokenize": "trigram"}


def _values(row: str) -> str:
    return ", ".join(f"{row}.{c}" for c in ("id",) + COLUMNS)


def _triggers() -> dict[str, str]:
    columns = ", ".join(COLUMNS)
    add = f"INSERT INTO {TABLE}(rowid, {columns}) VALUES ({_values('new')});"
    remove = (f"INSERT INTO {TABLE}({TABLE}, rowid, {columns}) "
              f"VALUES ('delete', {_values('old')});")
    return {
        f"{TABLE}_add": f"CREATE TRIGGER {TABLE}_add AFTER INSERT ON member BEGIN {add} END",
        f"{TABLE}_remove": f"CREATE TRIGGER {TABLE}_remove AFTER DELETE ON member "
                           f"BEGIN {remove} END",
        f"{TABLE}_change": f"CREATE TRIGGER {TABLE}_change AFTER UPDATE OF {columns} ON member "
                           f"BEGIN {remove} {add} END",
    }


def install() -> None:
    """Create the index and its triggers where missing, and fill the index
    from the member table (a migration step; safe to run again)."""
    MemberSearch.create_table(safe=True)
    have = {name for (name,) in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'member'")}
    for name, sql in _triggers().items():
        if name not in have:
            db.execute_sql(sql)
    db.execute_sql(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")


def purge_removed() -> None:
    """Merge the index into one segment, dropping what deleted or changed
    rows left in older segments (after an anonymisation): with
    secure_delete on, the freed pages are overwritten."""
    db.execute_sql(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")


def indexable(q: str) -> bool:
    return len(q) >= SHORTEST


def matches(q: str, columns: tuple[str, ...], digits: str = ""):
    """The condition on MemberSearch for the members whose `columns`
    contain `q` (any case), or whose phone contains `digits`; `q` must be
    indexable(). Join MemberSearch on its rowid (the member's id) and order
    by that rowid: the index then hands over its matches newest first and
    stops when the page is full, however many there are."""
    def phrase(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'
    expression = "{" + " ".join(columns) + "} : " + phrase(q)
    if digits:
        expression += " OR phone : " + phrase(digits)
    return MemberSearch.match(expression)

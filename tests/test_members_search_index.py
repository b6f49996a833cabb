"""The members search reads a trigram index (app/members/search_index.py)
that triggers keep in step with the member table, and anonymisation leaves
nothing of the old name in the index or the database file."""
import datetime as dt

import pytest
from flask import current_app

from app.db import db
from app.members import search_index, services
from app.members.listing import search
from app.members.models import Member
from app.migrations import rebuild_table
from tests.factories import make_member, make_user


def _codes(user, q):
    page, _ = services.list_page(user, q)
    return sorted(m.code for m in page["rows"])


def test_a_search_finds_any_piece_of_the_columns_the_user_may_search(conn):
    coordinator, mentor = make_user("coordinator"), make_user("mentor")
    make_member(preferred_name="Achieng", legal_name="Achieng Odhiambo", phone="0722 998877")
    make_member(preferred_name="Nyokabi", legal_name="Grace Wairimu", phone="0700 123456")
    assert _codes(coordinator, "chien") == ["AZ-0001"]            # inside a word
    assert _codes(coordinator, "NYOKA") == ["AZ-0002"]            # any case
    assert _codes(coordinator, "wairimu") == ["AZ-0002"]          # legal name: identity
    assert _codes(coordinator, "998877") == ["AZ-0001"]           # phone digits: identity
    assert _codes(coordinator, "AZ-000") == ["AZ-0001", "AZ-0002"]
    assert _codes(coordinator, "ng") == ["AZ-0001"]               # too short for the index
    assert _codes(coordinator, "odhiambo achieng") == []
    current_app.extensions["kituo"].member_scopes.append(lambda user: Member.select(Member.id))
    assert _codes(mentor, "nyokabi") == ["AZ-0002"]
    assert _codes(mentor, "wairimu") == [] and _codes(mentor, "998877") == []


@pytest.mark.parametrize("q", ['"', 'a"b', 'abc"', 'x OR y', 'NEAR(a b)', '{code}: x', '*abc*',
                               "a'b'c", "\\\\%_", "\u00e9l\u00e8ve", "\U0001f600\U0001f600\U0001f600",
                               "ab\u0301c"])
def test_search_syntax_in_what_people_type_is_only_text(conn, q):
    coordinator = make_user("coordinator")
    make_member(preferred_name=f"Amani {q} Baraka")
    assert _codes(coordinator, q) == ["AZ-0001"]


def test_the_index_follows_every_change_to_the_member_table(conn):
    coordinator = make_user("coordinator")
    member = make_member(preferred_name="Zawadi")
    Member.update(preferred_name="Imani").where(Member.id == member.id).execute()
    assert _codes(coordinator, "zawadi") == [] and _codes(coordinator, "imani") == [member.code]
    Member.insert_many([{"number": 50, "code": "AZ-0050", "preferred_name": "Baraka",
                         "joined_on": dt.date(2025, 1, 1)}]).execute()
    assert _codes(coordinator, "barak") == ["AZ-0050"]
    Member.delete().where(Member.code == "AZ-0050").execute()
    assert _codes(coordinator, "barak") == []
    db.execute_sql(f"INSERT INTO {search_index.TABLE}({search_index.TABLE}, rank) "
                   "VALUES ('integrity-check', 1)")     # index and member table agree


def test_a_table_rebuilt_by_a_migration_keeps_the_index_triggers(conn):
    coordinator = make_user("coordinator")
    make_member(preferred_name="Rehema")
    rebuild_table(Member)
    make_member(preferred_name="Furaha")
    assert _codes(coordinator, "furah") == ["AZ-0002"]
    assert _codes(coordinator, "rehem") == ["AZ-0001"]


def test_the_search_reads_the_index_not_every_row(conn):
    coordinator = make_user("coordinator")
    query, _ = search(coordinator, "wanjiku")
    sql, params = query.sql()
    plan = " ".join(str(row) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "VIRTUAL TABLE INDEX" in plan and "LIKE" not in sql.upper()


def test_anonymising_leaves_no_piece_of_the_name_in_the_index_or_the_file(conn):
    coordinator = make_user("coordinator")
    # Letters no other row uses, so the index's three-letter pieces of the
    # name can be looked for in the file's bytes.
    name, phone = "Jxjq Qxqj", "0799 246813"
    member = make_member(preferred_name="Zuhura", legal_name=name, phone=phone)
    for n in range(30):      # other rows, so the index has several segments to merge
        make_member(preferred_name=f"Mwanaisha {n}")
    assert db.execute_sql("PRAGMA secure_delete").fetchone()[0] == 1

    services.anonymise(member, member.code, actor=coordinator)

    assert _codes(coordinator, "jxjq") == [] and _codes(coordinator, "246813") == []
    vocab = "temp.member_search_terms"
    db.execute_sql(f"CREATE VIRTUAL TABLE {vocab} USING fts5vocab("
                   f"main, {search_index.TABLE}, instance)")
    pieces = {row[0] for row in db.execute_sql(f"SELECT term FROM {vocab} WHERE doc = ?",
                                               (member.id,))}
    assert pieces and all(piece in member.code.lower() for piece in pieces)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(db.obj.database, "rb") as file:
        content = file.read()
    for secret in (name, phone, "Zuhura", "jxj", "xjq", "qxq", "xqj"):
        assert secret.encode() not in content, secret


def test_a_search_reads_a_page_newest_first_and_counts_its_matches_up_to_the_cap(conn):
    """The index hands over its matches newest first and stops when the
    page is full; the count stops at SEARCH_COUNT_CAP, and the pages go on
    past it (one row more than the page says whether there is a next)."""
    coordinator = make_user("coordinator")
    total = services.SEARCH_COUNT_CAP + services.PAGE_SIZE + 3
    Member.insert_many([{"number": n, "code": f"AZ-{n:04d}", "joined_on": dt.date(2025, 1, 1),
                         "status": "active" if n % 2 else "inducting",
                         "preferred_name": "Neema" if n != 7 else "Baraka"}
                        for n in range(1, total + 1)]).execute()
    first, _ = services.list_page(coordinator, "neema")
    assert [m.code for m in first["rows"]] == [
        f"AZ-{n:04d}" for n in range(total, total - services.PAGE_SIZE, -1)]
    assert first["total"] == services.SEARCH_COUNT_CAP and first["more"] and first["has_next"]
    last_page = (total - 1 + services.PAGE_SIZE - 1) // services.PAGE_SIZE
    last, _ = services.list_page(coordinator, "neema", page=last_page)
    assert [m.code for m in last["rows"]][-2:] == ["AZ-0002", "AZ-0001"]
    assert not last["has_next"]
    before, _ = services.list_page(coordinator, "neema", page=last_page - 1)
    assert before["has_next"] and before["more"]
    few, _ = services.list_page(coordinator, "neema", "active", page=1)
    assert all(m.status == "active" for m in few["rows"]) and few["rows"][0].code == f"AZ-{total - 1:04d}"
    assert _codes(coordinator, "barak") == ["AZ-0007"]
    page, _ = services.list_page(coordinator, "ne")              # too short for the index
    assert page["total"] == services.SEARCH_COUNT_CAP and page["more"]

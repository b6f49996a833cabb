"""A placement's business is a real reference to the loans module's
business (migration 210): the database refuses an id of no business,
removing a business keeps the placement (without the link), and the
upgrade keeps existing rows."""
import datetime as dt
import sqlite3

import peewee as pw
import pytest

from app.audit import AuditEvent
from app.db import db
from app.education import employment
from app.education.support_models import Placement
from app.loans.models import Business
from app.migrations import MIGRATIONS, applied_versions, upgrade
from tests.conftest import make_test_app
from tests.education_factories import make_member
from tests.factories import app_db


def _business(member, name="Akinyi's tailoring"):
    return Business.create(member=member, name=name, status="running")


def _self_employed(member, business=None):
    return employment.record_placement(member, employment.PlacementInput(
        "self_employed", "", "Tailor", dt.date(2026, 3, 2),
        business_id=business.id if business else None))


def test_the_database_refuses_a_business_that_does_not_exist(conn):
    member = make_member()
    placement = _self_employed(member, _business(member))
    with pytest.raises(pw.IntegrityError), db.atomic():
        Placement.update(business=987654).where(Placement.id == placement.id).execute()
    assert Placement.get_by_id(placement.id).business_id is not None


def test_a_business_removed_leaves_the_placement_without_the_link(conn):
    member = make_member()
    business = _business(member)
    placement = _self_employed(member, business)
    Business.delete().where(Business.id == business.id).execute()
    kept = Placement.get_by_id(placement.id)
    assert (kept.kind, kept.role, kept.business_id) == ("self_employed", "Tailor", None)
    assert employment.business_names([kept]) == {}


def _as_before_210(path):
    """Take a current database back to before version 210: business_id a
    plain integer, no foreign key."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    create = con.execute("SELECT sql FROM sqlite_master WHERE type='table' "
                         "AND name='education_placement'").fetchone()[0]
    reference = ', FOREIGN KEY ("business_id") REFERENCES "business" ("id") ON DELETE SET NULL'
    assert reference in create
    old = create.replace(reference, "").replace('"education_placement"',
                                                '"education_placement_old"', 1)
    indexes = [row[0] for row in con.execute(
        "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name='education_placement' "
        "AND sql IS NOT NULL")]
    con.executescript(f"""
        {old};
        INSERT INTO education_placement_old SELECT * FROM education_placement;
        DROP TABLE education_placement;
        ALTER TABLE education_placement_old RENAME TO education_placement;
        {';'.join(indexes)};
        DELETE FROM schema_version WHERE version = 210;
    """)
    con.commit()
    con.close()


def _foreign_keys(path) -> list[tuple]:
    with sqlite3.connect(path) as con:
        return [(row[2], row[3], row[6]) for row in
                con.execute("PRAGMA foreign_key_list(education_placement)")]


def test_upgrade_makes_the_business_a_foreign_key_and_keeps_the_rows(tmp_path):
    app = make_test_app(tmp_path)
    with app_db(app):
        member = make_member()
        business = _business(member)
        linked = _self_employed(member, business).id
        plain = employment.record_placement(member, employment.PlacementInput(
            "formal", "Lakeview Hotel", "Cook", dt.date(2026, 1, 5))).id
    _as_before_210(tmp_path / "kituo.db")
    assert ("business", "business_id", "SET NULL") not in _foreign_keys(tmp_path / "kituo.db")
    with sqlite3.connect(tmp_path / "kituo.db") as con:   # what the plain integer allowed
        con.execute("UPDATE education_placement SET business_id = 424242 WHERE id = ?", (plain,))

    upgraded = make_test_app(tmp_path)                   # runs upgrade()
    with app_db(upgraded):
        assert applied_versions() == {m.version for m in MIGRATIONS}
        assert Placement.get_by_id(linked).business_id == business.id
        assert Placement.get_by_id(plain).business_id is None
        assert Placement.get_by_id(plain).employer == "Lakeview Hotel"
        repaired = AuditEvent.get(AuditEvent.action == "data.repaired")
        assert (repaired.object_type, repaired.object_id) == ("education_placement", str(plain))
        assert "424242" in repaired.summary
        assert upgrade() == []
    assert ("business", "business_id", "SET NULL") in _foreign_keys(tmp_path / "kituo.db")

"""Schema migrations: an older database is upgraded and keeps its data."""
import sqlite3

from app.auth.models import User, UserRole
from app.audit import AuditEvent
from pathlib import Path

from app.auth.passwords import hash_password
from app.db import db
from app.migrations import MIGRATIONS, applied_versions, upgrade
from tests.conftest import make_test_app
from tests.factories import PASSWORD

V1_SCHEMA = Path(__file__).parent / "fixtures" / "schema_v1.sql"


def _build_v1_database(path):
    """The database as the first release left it, with people in it."""
    con = sqlite3.connect(path)
    con.executescript(V1_SCHEMA.read_text())
    con.execute("INSERT INTO user (id, username, display_name, language, active, password_hash,"
                " last_login_at, created_at) VALUES (1, 'amina', 'Amina W', 'sw', 1, NULL, NULL,"
                " '2026-01-10 08:00:00')")
    con.execute("INSERT INTO user_role (user_id, role) VALUES (1, 'admin'), (1, 'coordinator')")
    con.execute("INSERT INTO audit_event (at, actor, actor_username, action, object_type,"
                " object_id, client_address, summary) VALUES ('2026-01-10 08:01:00', 1, 'amina',"
                " 'login.success', 'user', '1', '10.0.0.2', '')")
    con.commit()
    con.close()


def test_upgrade_from_version_1_keeps_data(tmp_path):
    _build_v1_database(tmp_path / "kituo.db")
    app = make_test_app(tmp_path)  # runs upgrade()
    with app.app_context(), db.connection_context():
        assert applied_versions() == {m.version for m in MIGRATIONS}
        user = User.get(User.username == "amina")
        assert (user.display_name, user.language, user.is_demo) == ("Amina W", "sw", False)
        assert sorted(r.role for r in UserRole.select()) == ["admin", "coordinator"]
        assert AuditEvent.select().count() == 1
        assert upgrade() == []  # a second run has nothing to do


def test_upgraded_database_works_for_login(tmp_path):
    _build_v1_database(tmp_path / "kituo.db")
    app = make_test_app(tmp_path)
    with app.app_context(), db.connection_context():
        User.update(password_hash=hash_password(PASSWORD)).where(User.username == "amina").execute()
    response = app.test_client().post("/login", data={"username": "amina", "password": PASSWORD})
    assert response.status_code == 303


def test_new_database_is_stamped_with_every_step(app):
    with app.app_context(), db.connection_context():
        assert applied_versions() == {m.version for m in MIGRATIONS}


def _as_before_counselling_42(path):
    """Take a current database back to how it was before versions 42-43:
    session notes without the release columns, no group notices."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    create = con.execute("SELECT sql FROM sqlite_master WHERE type='table' "
                         "AND name='session_note'").fetchone()[0]
    old = (create.replace(', "released_at" DATETIME', "")
           .replace(', "released_by_id" INTEGER', "")
           .replace(', FOREIGN KEY ("released_by_id") REFERENCES "user" ("id") ON DELETE SET NULL',
                    "")
           .replace('"session_note"', '"session_note_old"', 1))
    assert "released" not in old
    columns = ", ".join(f'"{c}"' for c in ("id", "booking_id", "member_id", "author_id", "text",
                                           "concerns", "risk_level", "follow_up", "created_at",
                                           "updated_at"))
    con.executescript(f"""
        {old};
        INSERT INTO session_note_old ({columns}) SELECT {columns} FROM session_note;
        DROP TABLE session_note;
        ALTER TABLE session_note_old RENAME TO session_note;
        CREATE UNIQUE INDEX "session_note_booking_id" ON "session_note" ("booking_id");
        DROP TABLE group_notice;
        DELETE FROM schema_version WHERE version IN (42, 43);
    """)
    con.commit()
    con.close()


def test_upgrade_through_counselling_note_release_and_group_notices(tmp_path):
    import datetime as dt
    from app.counselling import bookings, groups, notes, schedule
    from app.counselling.models import Booking, GroupSession, SessionNote
    from app.members import services as members
    from tests.counselling_helpers import (counsellor_every_day, days_ahead, local, make_member,
                                           no_holidays)
    from tests.factories import app_db, make_user, shift_time
    app = make_test_app(tmp_path)
    with app_db(app):
        no_holidays()
        author = counsellor_every_day()
        member = make_member()
        booking = bookings.book(member, author.id, local(days_ahead(2), 10))
        shift_time(Booking, "starts_at", -dt.timedelta(days=3), Booking.id == booking.id)
        bookings.mark(Booking.get_by_id(booking.id), "attended")
        note_id = notes.save(author, Booking.get_by_id(booking.id), "Kept words").id
        session = groups.create_sessions("Circle", local(days_ahead(4), 15), 90, "Hall", 5,
                                         [make_user("trainer").id])[0]
        groups.sign_up(session, member)
    _as_before_counselling_42(tmp_path / "kituo.db")
    with sqlite3.connect(tmp_path / "kituo.db") as con:
        columns = {row[1] for row in con.execute("PRAGMA table_info(session_note)")}
        assert "released_at" not in columns

    upgraded = make_test_app(tmp_path)                      # runs upgrade()
    with app_db(upgraded):
        assert applied_versions() == {m.version for m in MIGRATIONS}
        assert {42, 43} <= applied_versions()
        note = SessionNote.get_by_id(note_id)
        assert note.text == "Kept words" and note.released_at is None
        notes.set_release(author, note, True)
        assert members.export_data(member)["appointment_notes"][0]["note"] == "Kept words"
        groups.cancel_session(GroupSession.get_by_id(session.id))
        assert len(schedule.open_notices(member)) == 1
        assert upgrade() == []

"""Mentorship's own schema steps (app/mentorship/migrations.py): a database
made before a step is upgraded through it and keeps its data."""
import sqlite3

from app.db import SchemaVersion

from app.migrations import applied_versions, upgrade
from app.mentorship import services
from app.mentorship.models import GoalNote, SessionLog
from tests.conftest import make_test_app
from tests.factories import app_db
from tests.mentorship_factories import make_pairing, session_input


def _columns(path, table):
    con = sqlite3.connect(path)
    try:
        return {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
    finally:
        con.close()


def test_step_50_adds_the_edited_mark_to_goal_notes_and_keeps_them(tmp_path):
    path = tmp_path / "kituo.db"
    app = make_test_app(tmp_path)
    with app_db(app):
        pairing = make_pairing()
        goal = services.add_goal(pairing, "Open a savings account", "livelihood", None)
        log = services.log_session(pairing, pairing.mentor, session_input(
            goal_updates={goal.id: ("in_progress", "Opened M-Pesa")}))
        notes_table = GoalNote._meta.table_name
        versions_table = SchemaVersion._meta.table_name
    # The database as it was before step 50.
    con = sqlite3.connect(path)
    con.execute(f"ALTER TABLE {notes_table} DROP COLUMN edited_at")
    con.execute(f"DELETE FROM {versions_table} WHERE version = 50")
    con.commit()
    con.close()
    assert "edited_at" not in _columns(path, notes_table)

    app = make_test_app(tmp_path)   # runs upgrade()
    assert "edited_at" in _columns(path, notes_table)
    with app_db(app):
        assert 50 in applied_versions()
        note = GoalNote.get(GoalNote.session == log.id)
        assert (note.status, note.text, note.edited_at) == ("in_progress", "Opened M-Pesa", None)
        # The upgraded database takes an edit of the log's progress.
        services.edit_session(SessionLog.get_by_id(log.id), pairing.mentor, session_input(
            goal_updates={goal.id: ("achieved", "Account open")}))
        assert GoalNote.get_by_id(note.id).edited_at is not None
        assert upgrade() == []   # nothing left to do

"""Schema migrations: an older database is upgraded and keeps its data."""
import sqlite3

from app.auth.models import User, UserRole
from app.audit import AuditEvent
from pathlib import Path

from app.auth.passwords import hash_password
from app.db import MIGRATIONS, applied_versions, db, upgrade
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

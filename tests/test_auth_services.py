"""Password rules, hashing, throttling and lockout, setup codes, sessions."""
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import extract_parameters

from app.audit import AuditEvent
from app.auth import services
from app.auth.models import LoginThrottle, SetupCode, User, UserSession
from app.auth.passwords import password_problem, verify_password
from app.db import db
from tests.conftest import make_test_app
from tests.factories import PASSWORD, make_user, shift_time

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("password, ok", [
    ("short", False), ("12345678", False), ("password1", False), ("iloveyou", False),
    ("mama mboga sokoni", True), ("a" * 129, False), ("correct-horse-battery", True),
])
def test_password_rules(password, ok):
    assert (password_problem(password) is None) is ok


def test_password_may_not_be_the_username():
    assert password_problem("kamau1234", "Kamau1234") is not None


@pytest.mark.slow   # starts a Python process
def test_the_app_hashes_with_argon2id_at_or_above_owasp_minimum(tmp_path):
    """In a process of its own, as the app runs outside the tests (this
    suite's conftest hashes at the lowest cost, see there): a user the
    app's services create gets an argon2id hash of at least OWASP's
    minimum, and that hash still verifies in the test process."""
    env = {**os.environ, "KITUO_INSTANCE": str(tmp_path), "KITUO_DATABASE": str(tmp_path / "k.db")}
    script = ("from app import create_app\n"
              "from app.auth import services\n"
              "from app.db import db\n"
              "from app.migrations import upgrade\n"
              "app = create_app({'HOLD_DATABASE': False})\n"
              "with app.app_context(), db.connection_context():\n"
              "    upgrade()\n"
              f"    user = services.create_user('amina', 'Amina', ['mentor'], password={PASSWORD!r})\n"
              "    print(user.password_hash)\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    stored = done.stdout.strip().splitlines()[-1]
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.memory_cost >= 19456 and params.time_cost >= 2
    assert verify_password(stored, PASSWORD) and not verify_password(stored, "not the password")


def test_authenticate_succeeds_and_is_audited(conn):
    user = make_user("mentor")
    assert services.authenticate(user.username.upper(), PASSWORD, "10.0.0.5").id == user.id
    event = AuditEvent.select().where(AuditEvent.action == "login.success").get()
    assert event.actor == user.id and event.client_address == ""


def test_failed_login_is_audited_without_the_typed_name(conn):
    with pytest.raises(services.AuthError):
        services.authenticate("nobody-here", "wrong password", "10.0.0.5")
    event = AuditEvent.get(AuditEvent.action == "login.failed")
    assert "nobody-here" not in event.summary and event.actor is None


def test_disabled_user_cannot_log_in(conn):
    user = make_user("mentor", active=False)
    with pytest.raises(services.AuthError):
        services.authenticate(user.username, PASSWORD, "10.0.0.5")


def _fail(username, address, times):
    for _ in range(times):
        with pytest.raises(services.AuthError):
            services.authenticate(username, "not the password", address)
        # Skip the progressive delay so the test reaches the lock quickly.
        shift_time(LoginThrottle, "last_failure_at", -dt.timedelta(minutes=2),
                   LoginThrottle.locked_until.is_null())


def test_progressive_delay_after_three_failures(conn):
    user = make_user("mentor")
    for _ in range(3):
        with pytest.raises(services.AuthError):
            services.authenticate(user.username, "nope nope nope", "10.0.0.9")
    with pytest.raises(services.AuthError, match="Wait"):
        services.authenticate(user.username, PASSWORD, "10.0.0.9")


def test_username_is_locked_after_repeated_failures(conn, app):
    user = make_user("mentor")
    _fail(user.username, "10.0.0.1", app.config["LOGIN_MAX_FAILURES_USER"])
    with pytest.raises(services.AuthError, match="minutes"):
        services.authenticate(user.username, PASSWORD, "10.0.0.2")  # right password, other address


def test_address_is_locked_after_repeated_failures(conn, app):
    app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 4
    victim = make_user("mentor")
    for i in range(4):
        _fail(f"guess{i}", "10.0.0.66", 1)
    with pytest.raises(services.AuthError):
        services.authenticate(victim.username, PASSWORD, "10.0.0.66")
    assert services.authenticate(victim.username, PASSWORD, "10.0.0.67").id == victim.id


def test_lock_expires(conn, app):
    user = make_user("mentor")
    _fail(user.username, "10.0.0.1", app.config["LOGIN_MAX_FAILURES_USER"])
    shift_time(LoginThrottle, "locked_until", -dt.timedelta(hours=1))
    assert services.authenticate(user.username, PASSWORD, "10.0.0.3").id == user.id


def test_lockout_holds_across_two_app_instances(tmp_path):
    """Counters live in the database, so every gunicorn worker sees them."""
    first = make_test_app(tmp_path)
    second = make_test_app(tmp_path)  # same database file, separate app
    with first.app_context(), first.test_request_context(), db.connection_context():
        user = make_user("mentor", username="wanjiku")
        _fail("wanjiku", "10.0.0.1", first.config["LOGIN_MAX_FAILURES_USER"])
    client = second.test_client()
    response = client.post("/login", data={"username": "wanjiku", "password": PASSWORD})
    assert response.status_code == 422
    assert user.id and b"Too many failed attempts" in response.data


def test_setup_code_works_once(conn):
    user = make_user("member", password=None)
    issued = services.issue_setup_code(user, None)
    assert services.redeem_setup_code(issued.code.lower().replace("-", " "),
                                      "my new passphrase", "10.0.0.1").id == user.id
    assert services.authenticate(user.username, "my new passphrase", "10.0.0.1")
    with pytest.raises(services.AuthError):
        services.redeem_setup_code(issued.code, "another passphrase", "10.0.0.1")


def test_setup_code_expires_after_72_hours(conn):
    user = make_user("member", password=None)
    issued = services.issue_setup_code(user, None)
    assert issued.expires_at - SetupCode.get().created_at == dt.timedelta(hours=72)
    shift_time(SetupCode, "expires_at", -dt.timedelta(hours=73))
    with pytest.raises(services.AuthError):
        services.redeem_setup_code(issued.code, "my new passphrase", "10.0.0.1")


def test_new_setup_code_cancels_the_old_one(conn):
    user = make_user("member", password=None)
    old = services.issue_setup_code(user, None)
    services.issue_setup_code(user, None)
    with pytest.raises(services.AuthError):
        services.redeem_setup_code(old.code, "my new passphrase", "10.0.0.1")


def test_setup_code_with_weak_password_is_not_used_up(conn):
    user = make_user("member", password=None)
    issued = services.issue_setup_code(user, None)
    with pytest.raises(services.AuthError):
        services.redeem_setup_code(issued.code, "password", "10.0.0.1")
    assert SetupCode.get().used_at is None
    assert services.redeem_setup_code(issued.code, "a better passphrase", "10.0.0.1")


def test_setup_code_is_stored_hashed(conn):
    user = make_user("member", password=None)
    issued = services.issue_setup_code(user, None)
    assert issued.code not in SetupCode.get().code_hash


def test_disabling_revokes_sessions(conn):
    user = make_user("mentor")
    token = services.start_session(user)
    assert services.load_session_user(token).id == user.id
    services.set_active(user, False)
    assert services.load_session_user(token) is None
    assert UserSession.get().revoked_reason == "disabled"


def test_the_session_lookup_reads_the_whole_user_row_and_their_roles(conn):
    """The lookup that runs on every request (built once, app.db.Prepared)
    gives the user exactly as the database holds them: every field, read
    as the model reads it (dates as datetimes, flags as booleans)."""
    user = make_user("trainer", "mentor", language="sw")
    services.authenticate(user.username, PASSWORD, "10.0.0.1")   # sets last_login_at
    token = services.start_session(user)
    loaded = services.load_session_user(token)
    assert loaded.__data__ == User.get_by_id(user.id).__data__
    assert isinstance(loaded.last_login_at, dt.datetime) and loaded.active is True
    assert loaded.role_names == ["mentor", "trainer"] and loaded.session_token == token
    assert services.load_session_user("not a token") is None


def test_signing_out_or_a_new_password_ends_the_sessions_at_once(conn):
    user = make_user("mentor")
    here, elsewhere, signed_out = (services.start_session(user) for _ in range(3))
    services.revoke_session(signed_out, "logout")
    assert services.load_session_user(signed_out) is None
    user.session_token = here
    services.change_password(user, PASSWORD, "a fresh passphrase")
    assert services.load_session_user(elsewhere) is None
    assert services.load_session_user(here).id == user.id


def test_idle_session_expires(conn, app):
    user = make_user("mentor")
    token = services.start_session(user)
    shift_time(UserSession, "last_seen_at",
               -dt.timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1))
    assert services.load_session_user(token) is None


def test_change_password_needs_the_current_one(conn):
    user = make_user("mentor")
    with pytest.raises(services.AuthError) as error:
        services.change_password(user, "not my password", "a fresh passphrase")
    assert error.value.field == "current_password"
    services.change_password(user, PASSWORD, "a fresh passphrase")
    assert services.authenticate(user.username, "a fresh passphrase", "10.0.0.1")


def test_create_user_rejects_duplicates_and_unknown_roles(conn):
    make_user("mentor", username="otieno")
    with pytest.raises(services.AuthError):
        services.create_user("Otieno", "Otieno", ["mentor"])
    with pytest.raises(services.AuthError):
        services.create_user("new", "New", ["wizard"])
    assert User.select().count() == 1

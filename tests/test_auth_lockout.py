"""Lock-out that an attacker cannot turn against the owner (issue #10
items 15, 16 and 20): device cookies (OWASP), an administrator's unlock,
the failed-attempt notice, wrong current passwords, and the absolute
session lifetime."""
import datetime as dt

import pytest

from app.audit import AuditEvent
from app.auth import devices
from app.auth.models import LoginThrottle, User, UserSession
from tests.conftest import make_test_app, parse_html
from tests.factories import PASSWORD, app_db, make_user, shift_time

OWNER_ADDRESS = {"REMOTE_ADDR": "10.0.0.5"}
ATTACKER_ADDRESS = {"REMOTE_ADDR": "10.0.0.66"}


def _try_sign_in(client, username, password=PASSWORD, address=OWNER_ADDRESS, next_=None):
    return client.post("/login", query_string={"next": next_} if next_ else None,
                       data={"username": username, "password": password},
                       environ_base=address)


def _skip_delays(app):
    """Move the last failure back so the progressive delay is served."""
    with app_db(app):
        shift_time(LoginThrottle, "last_failure_at", -dt.timedelta(minutes=2),
                   LoginThrottle.locked_until.is_null())


def _fail(app, client, username, times, address=ATTACKER_ADDRESS):
    for _ in range(times):
        assert _try_sign_in(client, username, "not the password", address).status_code == 422
        _skip_delays(app)


def _audits(app, action):
    with app_db(app):
        return list(AuditEvent.select().where(AuditEvent.action == action))


@pytest.fixture
def amina(app):
    with app_db(app):
        return make_user("member", username="az-0042")


def test_a_successful_sign_in_leaves_a_signed_device_cookie(app, client, amina):
    assert _try_sign_in(client, "az-0042").status_code == 303
    cookie = client.get_cookie(devices.COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    with app.test_request_context():
        assert devices.nonce_for(cookie.value, "az-0042")
        assert devices.nonce_for(cookie.value, "someone-else") is None
        assert devices.nonce_for(cookie.value + "x", "az-0042") is None   # forged


def test_attackers_failures_do_not_lock_out_the_owners_known_device(app, client, amina):
    assert _try_sign_in(client, "az-0042").status_code == 303
    client.post("/logout")
    attacker = app.test_client()
    _fail(app, attacker, "az-0042", app.config["LOGIN_MAX_FAILURES_USER"] + 2)
    # The attacker is locked out, even with the right password ...
    refused = _try_sign_in(attacker, "az-0042", address=ATTACKER_ADDRESS)
    assert refused.status_code == 422 and "Too many failed attempts" in refused.get_data(True)
    # ... and so is any browser the owner never used, from anywhere ...
    assert _try_sign_in(app.test_client(), "az-0042", address={"REMOTE_ADDR": "10.0.0.7"}).status_code == 422
    # ... but the owner's own phone signs in.
    assert _try_sign_in(client, "az-0042").status_code == 303
    assert client.get("/me").status_code == 200


def test_a_known_device_has_its_own_counter(app, client, amina):
    assert _try_sign_in(client, "az-0042").status_code == 303
    client.post("/logout")
    _fail(app, client, "az-0042", app.config["LOGIN_MAX_FAILURES_DEVICE"], address=OWNER_ADDRESS)
    assert _try_sign_in(client, "az-0042").status_code == 422          # this device is locked
    assert _try_sign_in(app.test_client(), "az-0042").status_code == 303  # a new browser is not
    with app_db(app):
        assert not LoginThrottle.select().where(LoginThrottle.key == "user:az-0042").exists()


def test_another_users_device_cookie_does_not_help(app, client, amina):
    with app_db(app):
        make_user("mentor", username="baraka")
    assert _try_sign_in(client, "baraka").status_code == 303
    client.post("/logout")
    _fail(app, app.test_client(), "az-0042", app.config["LOGIN_MAX_FAILURES_USER"])
    assert _try_sign_in(client, "az-0042").status_code == 422


def test_a_shared_phone_remembers_several_people(app, client, amina):
    with app_db(app):
        make_user("member", username="az-0043")
    for name in ("az-0042", "az-0043"):
        assert _try_sign_in(client, name).status_code == 303
        client.post("/logout")
    with app.test_request_context():
        names = [n for n, _nonce in devices.known_users(client.get_cookie(devices.COOKIE).value)]
    assert names == ["az-0043", "az-0042"]


def test_an_old_device_cookie_counts_as_unknown(app, client, amina, monkeypatch):
    import time

    from flask import Response
    from itsdangerous.timed import TimestampSigner
    days = app.config["DEVICE_COOKIE_DAYS"]
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: int(time.time()) - (days + 1) * 24 * 3600)
    with app.test_request_context():
        response = Response()
        devices.remember(response, None, "az-0042")
        value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        monkeypatch.undo()
        assert devices.nonce_for(value, "az-0042") is None


def test_unknown_devices_are_throttled_per_address(app, amina):
    with app_db(app):
        names = [make_user("member").username for _ in range(4)]
    attacker = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES_ADDRESS"]
    for i in range(limit):
        _fail(app, attacker, names[i % 4], 1)
    assert _try_sign_in(attacker, "az-0042", address=ATTACKER_ADDRESS).status_code == 422
    assert _try_sign_in(app.test_client(), "az-0042").status_code == 303   # other address


def test_the_owner_is_told_how_many_attempts_failed(app, client, amina):
    _fail(app, app.test_client(), "az-0042", 3)
    response = _try_sign_in(client, "az-0042")
    assert response.status_code == 303
    page = parse_html(client.get("/me"))
    warning = page.select_one(".flash-warning")
    assert warning is not None and "3 attempts" in warning.get_text()
    client.post("/logout")
    _try_sign_in(client, "az-0042")
    assert parse_html(client.get("/me")).select_one(".flash-warning") is None  # told once


def test_the_notice_is_in_swahili_for_a_swahili_reader(app, client):
    with app_db(app):
        make_user("member", username="az-0050", language="sw")
    _fail(app, app.test_client(), "az-0050", 1)
    _try_sign_in(client, "az-0050")
    warning = parse_html(client.get("/me")).select_one(".flash-warning").get_text()
    assert "attempt" not in warning and "1" in warning


def test_an_admin_unlocks_an_account_and_it_is_audited(app, client, login_as, amina):
    _fail(app, app.test_client(), "az-0042", app.config["LOGIN_MAX_FAILURES_USER"])
    owner = app.test_client()
    assert _try_sign_in(owner, "az-0042").status_code == 422
    admin = login_as("admin")
    page = parse_html(client.get(f"/admin/users/{amina.id}"))
    assert "locked" in page.select_one(".account-actions").get_text()
    button = page.find("button", string="Unlock sign-in")
    assert button is not None
    response = client.post(f"/admin/users/{amina.id}/unlock")
    assert response.status_code == 303
    assert _try_sign_in(owner, "az-0042").status_code == 303
    [event] = _audits(app, "login.unlocked")
    assert (event.actor, event.object_id) == (admin.id, str(amina.id))


def test_only_user_managers_may_unlock(app, client, login_as, amina):
    login_as("coordinator")
    assert client.post(f"/admin/users/{amina.id}/unlock").status_code == 403
    assert client.post("/admin/users/99999/unlock").status_code in (403, 404)


# --- wrong current passwords (item 16) -----------------------------------------

def _change(client, current):
    return client.post("/account/password", data={
        "current_password": current, "password": "a brand new phrase", "confirm": "a brand new phrase"})


def test_wrong_current_passwords_are_counted_audited_and_end_the_session(app, client, amina):
    assert _try_sign_in(client, "az-0042").status_code == 303
    limit = app.config["PASSWORD_CHECK_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert _change(client, "a guess at it").status_code == 422
        _skip_delays(app)
    response = _change(client, "a guess at it")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert client.get("/me").status_code == 303                       # signed out
    with app_db(app):
        session = UserSession.get()
        assert (session.revoked_reason, session.password_failures) == ("password guesses", limit)
        device_key = LoginThrottle.get(LoginThrottle.key.startswith("device:az-0042:"))
        assert device_key.failures == limit                            # counted with sign-ins
        assert User.get_by_id(amina.id).failed_logins == limit
    assert len(_audits(app, "password.check_failed")) == limit
    assert len(_audits(app, "session.ended")) == 1
    # The password did not change.
    _skip_delays(app)
    assert _try_sign_in(client, "az-0042").status_code == 303


def test_guesses_on_the_password_page_hit_the_sign_in_lock(app, client, amina):
    """Without a device cookie (an old session), guesses count against the
    username: enough of them lock sign-in from new devices too."""
    assert _try_sign_in(client, "az-0042").status_code == 303
    client.delete_cookie(devices.COOKIE)
    _fail(app, app.test_client(), "az-0042", app.config["LOGIN_MAX_FAILURES_USER"] - 1)
    assert _change(client, "one more guess").status_code == 422
    assert _try_sign_in(app.test_client(), "az-0042").status_code == 422   # locked now


def test_the_right_current_password_still_works(app, client, amina):
    assert _try_sign_in(client, "az-0042").status_code == 303
    assert _change(client, "a guess").status_code == 422
    assert _change(client, PASSWORD).status_code == 303


# --- absolute session lifetime (item 20) ------------------------------------------

def test_a_session_ends_after_its_absolute_lifetime_however_active(app, client, amina):
    assert _try_sign_in(client, "az-0042").status_code == 303
    hours = app.config["SESSION_MAX_HOURS"]
    assert hours == 12
    with app_db(app):
        shift_time(UserSession, "created_at", -dt.timedelta(hours=hours, minutes=1))
    # last_seen_at is recent: only the absolute lifetime ends it.
    response = client.get("/me")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    page = parse_html(client.get(response.headers["Location"]))
    assert "12 hours" in page.select_one(".flash-info").get_text()
    with app_db(app):
        assert UserSession.get().revoked_reason == "expired"


def test_a_session_within_its_lifetime_goes_on(app, client, amina):
    assert _try_sign_in(client, "az-0042").status_code == 303
    with app_db(app):
        shift_time(UserSession, "created_at", -dt.timedelta(hours=11, minutes=50))
    assert client.get("/me").status_code == 200


def test_the_lifetime_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("KITUO_SESSION_MAX_HOURS", "2")
    app = make_test_app(tmp_path)
    assert app.config["SESSION_MAX_HOURS"] == 2
    with app_db(app):
        make_user("admin", username="amina")
    client = app.test_client()
    assert _try_sign_in(client, "amina").status_code == 303
    with app_db(app):
        shift_time(UserSession, "created_at", -dt.timedelta(hours=2, minutes=1))
    assert client.get("/").status_code == 303

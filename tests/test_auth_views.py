"""Sign in and out through HTTP, session handling, setup codes."""
import re


from app.auth import services
from app.auth.models import UserSession
from app.db import db
from tests.conftest import make_test_app
from tests.factories import PASSWORD, make_user
from tests.conftest import parse_html


def test_login_page_has_labelled_fields(client):
    page = parse_html(client.get("/login"))
    for name in ("username", "password"):
        field = page.find("input", {"name": name})
        assert page.find("label", {"for": field["id"]})


def test_wrong_password_shows_message_and_422(app, client):
    with app.app_context(), db.connection_context():
        make_user("mentor", username="kamau")
    response = client.post("/login", data={"username": "kamau", "password": "wrong one!"})
    assert response.status_code == 422
    assert "Wrong username or password" in parse_html(response).select_one(".form-error").text
    assert parse_html(response).find("input", {"name": "username"})["value"] == "kamau"


def test_empty_form_errors_next_to_fields(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert parse_html(response).select_one("#username-error")


def test_login_regenerates_session_and_redirects_to_next(app, client):
    with app.app_context(), db.connection_context():
        make_user("admin", username="amina")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = client.post("/login?next=/admin/users",
                           data={"username": "amina", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/users"
    with client.session_transaction() as session:
        assert "planted" not in session


def test_pages_after_login_do_not_rewrite_the_session_cookie(tmp_path):
    """With CSRF on, as deployed: the login answer carries a fresh CSRF
    secret with the new session, so ordinary pages neither change the
    session nor re-send its cookie."""
    app = make_test_app(tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context(), db.connection_context():
        make_user("admin", username="amina")
    client = app.test_client()
    token = parse_html(client.get("/login")).find("input", {"name": "csrf_token"})["value"]
    with client.session_transaction() as session:
        before = session["csrf_token"]
    response = client.post("/login", data={"username": "amina", "password": PASSWORD,
                                           "csrf_token": token})
    cookies = response.headers.getlist("Set-Cookie")
    assert response.status_code == 303 and any(c.startswith("kituo_session=") for c in cookies)
    with client.session_transaction() as session:
        assert session["csrf_token"] not in ("", before)
    assert "Set-Cookie" not in client.get("/").headers


def test_next_cannot_leave_the_site(app, client):
    with app.app_context(), db.connection_context():
        make_user("admin", username="amina")
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "amina", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_copied_cookie_is_dead_after_logout(app, client, login_as):
    login_as("admin")
    stolen = client.get_cookie("kituo_session").value
    assert client.post("/logout").status_code == 303
    thief = app.test_client()
    thief.set_cookie("kituo_session", stolen)
    response = thief.get("/admin/users")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_disabled_user_is_out_at_next_request(app, client, login_as):
    user = login_as("admin")
    assert client.get("/admin/users").status_code == 200
    with app.app_context(), db.connection_context():
        services.set_active(user, False)
    response = client.get("/admin/users")
    assert response.status_code == 303


def test_change_password_requires_current(client, login_as, app):
    user = login_as("mentor")
    response = client.post("/account/password", data={
        "current_password": "wrong", "password": "a new passphrase", "confirm": "a new passphrase"})
    assert response.status_code == 422
    assert parse_html(response).select_one("#current_password-error")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "a new passphrase", "confirm": "a new passphrase"})
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        assert services.authenticate(user.username, "a new passphrase", "x")


def test_setup_page_sets_password(app, client):
    with app.app_context(), app.test_request_context(), db.connection_context():
        user = make_user("member", username="zawadi", password=None)
        code = services.issue_setup_code(user, None).code
    response = client.post("/setup", data={"code": code, "password": "nyumbani kwetu",
                                           "confirm": "nyumbani kwetu"})
    assert response.status_code == 303
    # the sign-in page comes with the username filled in (not in the address)
    assert response.headers["Location"].endswith("/login")
    login = parse_html(client.get("/login"))
    assert login.select_one("input[name=username]")["value"] == "zawadi"
    response = client.post("/login", data={"username": "zawadi", "password": "nyumbani kwetu"})
    assert response.status_code == 303


def test_a_language_chosen_on_the_sign_in_page_becomes_the_setting(app, client):
    with app.app_context(), app.test_request_context(), db.connection_context():
        user = make_user("member", username="baraka", language="en")
    client.post("/language", data={"lang": "sw", "next": "/login"})
    client.post("/login", data={"username": "baraka", "password": PASSWORD})
    with app.app_context(), db.connection_context():
        from app.auth.models import User
        assert User.get_by_id(user.id).language == "sw"
    assert 'lang="sw"' in client.get("/me").get_data(as_text=True)


def test_setup_page_rejects_mismatch_and_common_password(client):
    response = client.post("/setup", data={"code": "AAAA-BBBB-CCCC", "password": "password1",
                                           "confirm": "password1"})
    assert response.status_code == 422
    assert parse_html(response).select_one("#password-error")


def test_logout_is_post_only(client, login_as):
    login_as("admin")
    assert client.get("/logout").status_code == 405


def test_session_rows_are_server_side(app, client, login_as):
    login_as("admin")
    client.post("/logout")
    with app.app_context(), db.connection_context():
        assert UserSession.get().revoked_reason == "logout"


def test_sign_in_redirect_keeps_a_clean_next_address(client):
    """After sign-out, /me sent to /login?next=/me? (#12 item 6)."""
    bare = client.get("/me")
    assert bare.status_code == 303 and bare.headers["Location"].endswith("/login?next=/me")
    query = client.get("/admin/users?page=2")
    assert query.headers["Location"].endswith("/login?next=/admin/users?page%3D2")


def test_language_switch_returns_to_a_clean_address(client):
    page = client.get("/login")
    field = parse_html(page).select_one("form.language-switch input[name=next]")
    assert field["value"] == "/login"

"""Headers, CSRF, cookies."""
from bs4 import BeautifulSoup

from tests.conftest import make_test_app


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_authenticated_pages_are_not_cached(client, login_as):
    login_as("admin")
    assert client.get("/admin/users").headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


def test_post_without_csrf_token_is_rejected(tmp_path):
    app = make_test_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"username": "x", "password": "y" * 10})
    assert response.status_code == 400
    assert BeautifulSoup(response.data, "html.parser").h1 is not None


def test_post_with_csrf_token_is_accepted(tmp_path):
    app = make_test_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    token = page.find("input", {"name": "csrf_token"})["value"]
    response = client.post("/login", data={"username": "x", "password": "y" * 10,
                                           "csrf_token": token})
    assert response.status_code == 422  # the form was processed: wrong password


def test_session_cookie_flags(client, login_as):
    login_as("admin")
    cookie = client.get_cookie("kituo_session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure


def test_secure_cookie_when_https(tmp_path):
    app = make_test_app(tmp_path, HTTPS=True, SESSION_COOKIE_SECURE=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_no_state_change_on_get(app):
    """Every route that changes something only accepts POST."""
    state_changing = {"auth.logout", "core.set_language", "admin.set_active", "admin.setup_slip",
                      "admin.unlock"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in state_changing:
            assert "GET" not in rule.methods, rule.endpoint


def test_error_pages_do_not_leak_details(app, client, login_as):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret member name Wanjiku")
    boom.access_rule = ("public", ())
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Wanjiku" not in response.data and b"Traceback" not in response.data

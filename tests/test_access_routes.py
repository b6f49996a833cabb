"""Deny by default: every route declares who may use it."""
from bs4 import BeautifulSoup

from app.access import BASE_CAPABILITIES, ROLES


def test_every_route_declares_access(app):
    undeclared = [rule.endpoint for rule in app.url_map.iter_rules()
                  if getattr(app.view_functions[rule.endpoint], "access_rule", None) is None]
    assert undeclared == []


def test_every_declared_capability_is_granted_to_some_role(app):
    granted = set().union(*app.extensions["kituo"].capabilities.values())
    for rule in app.url_map.iter_rules():
        kind, caps = app.view_functions[rule.endpoint].access_rule
        for cap in caps:
            assert cap in granted, f"{rule.endpoint} needs {cap}, which no role has"


def test_an_undeclared_route_is_refused(app, client):
    app.add_url_rule("/sneaky", "sneaky", lambda: "secret")
    assert client.get("/sneaky").status_code == 403


def test_anonymous_is_redirected_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=/admin/users")


def test_anonymous_htmx_request_gets_hx_redirect(client):
    response = client.get("/admin/users", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/login")


def test_missing_capability_gets_translated_403(client, login_as):
    login_as("mentor", language="sw")
    response = client.get("/admin/users")
    assert response.status_code == 403
    page = BeautifulSoup(response.data, "html.parser")
    assert page.html["lang"] == "sw"
    assert page.h1.get_text(strip=True) != "You do not have access to this page"


def test_roles_table_lists_every_role(app):
    assert set(app.extensions["kituo"].capabilities) == set(ROLES)


def test_the_capability_table_belongs_to_its_app(app, tmp_path):
    """Modules grant into their app's registry: a second app, or a grant
    made for a test, never changes another app's table."""
    from tests.conftest import make_test_app
    app.extensions["kituo"].grant("finance", "test.only")
    (tmp_path / "other").mkdir()
    other = make_test_app(tmp_path / "other")
    assert "test.only" not in other.extensions["kituo"].capabilities["finance"]
    assert "test.only" not in BASE_CAPABILITIES["finance"]
    assert "members.view" in other.extensions["kituo"].capabilities["finance"]


def test_admin_sees_the_access_table(client, login_as):
    login_as("admin")
    page = BeautifulSoup(client.get("/admin/access").data, "html.parser")
    headers = [th.get_text(strip=True) for th in page.select("table")[0].select("thead th")]
    assert len(headers) == len(ROLES) + 1
    assert page.find(string="users.manage")


def test_navigation_follows_roles(client, login_as):
    login_as("mentor")
    page = BeautifulSoup(client.get("/").data, "html.parser")
    links = {a["href"] for a in page.select(".module-nav a")}
    assert "/admin/users" not in links

"""Health check, CLI, quick exit page, error pages."""
import json
import re

import pytest
from bs4 import BeautifulSoup

from app.auth.models import User
from app.db import db


def test_healthz_reports_ok_without_personal_data(client, login_as):
    login_as("admin", username="wanjiru")
    client.post("/logout")
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["db"] == "ok" and body["version"]
    assert "wanjiru" not in json.dumps(body)


def test_quick_exit_on_member_and_public_pages_only(client, login_as, app):
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    assert page.select_one("#quick-exit")["href"] == "/recipes"
    login_as("member")
    page = BeautifulSoup(client.get("/", follow_redirects=True).data, "html.parser")  # -> /me
    assert page.select_one("#quick-exit") and page.body["data-quick-exit"] == "/recipes"
    staff = app.test_client()
    login_as("coordinator", client_=staff)
    assert BeautifulSoup(staff.get("/").data, "html.parser").select_one("#quick-exit") is None


def test_neutral_page_says_nothing_about_kituo(client):
    text = client.get("/recipes").get_data(as_text=True).lower()
    assert "kituo" not in text and "azadi" not in text and "<script" not in text


@pytest.mark.parametrize("status", [404])
def test_error_pages_are_translated(client, status):
    en = BeautifulSoup(client.get("/no/such/page").data, "html.parser").h1.get_text()
    sw = BeautifulSoup(client.get("/no/such/page", headers={"Accept-Language": "sw"}).data,
                       "html.parser").h1.get_text()
    assert en and sw and en != sw


def test_pages_have_no_inline_script_or_style(client):
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    assert all(tag.get("src") for tag in page.find_all("script"))
    assert not page.find_all("style") and not page.select("[style]")
    assert not [t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)]


def test_vendored_assets_are_pinned_with_licences():
    from pathlib import Path
    vendor = Path(__file__).resolve().parent.parent / "static" / "vendor"
    for folder in vendor.iterdir():
        assert re.search(r"-\d+\.\d+\.\d+$", folder.name), folder
        assert any(p.name.startswith("LICENSE") for p in folder.iterdir()), folder


def test_htmx_history_cache_is_off(client):
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    config = json.loads(page.find("meta", {"name": "htmx-config"})["content"])
    assert config["historyCacheSize"] == 0 and page.body["hx-history"] == "false"


def test_every_form_input_has_a_label(client, login_as):
    login_as("admin")
    for url in ("/admin/users/new", "/account/password", "/admin/audit"):
        page = BeautifulSoup(client.get(url).data, "html.parser")
        for field in page.select("main input:not([type=hidden]), main select, main textarea"):
            assert page.find("label", {"for": field.get("id")}) or field.find_parent("label"), \
                (url, field)


@pytest.mark.slow   # seeds the whole demo to test its seeder
def test_cli_create_user_and_seed_demo(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "Admin1", "--role", "admin", "--setup-code"])
    assert result.exit_code == 0, result.output
    assert re.search(r"setup code: [A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", result.output)
    result = runner.invoke(args=["seed-demo", "--members", "10"])
    assert result.exit_code != 0 and "real (non-demo) data" in result.output
    assert "Nothing was seeded" in result.output
    # what `make run` calls: a database with data starts as it is, and says so
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "used as it is" in result.output


@pytest.mark.slow   # seeds the whole demo to test its seeder
def test_seed_demo_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--members", "10"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.connection_context():
        demo = {u.username for u in User.select().where(User.is_demo == True)}  # noqa: E712
        # One login per role, plus any extra demo accounts modules seed (e.g. mentors).
        from app.cli import DEMO_USERS
        assert demo >= {username for username, *_rest in DEMO_USERS}
        roles = {r for u in User.select() for r in u.role_names}
    from app.access import ROLES
    assert roles == set(ROLES)
    assert "seeded fictional demo data" in result.output
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "already holds the demo data" in again.output
    logins = (app.config["INSTANCE_PATH"] + "/demo-logins.txt")
    assert "amina" in open(logins).read()
    # after using the demo (a member added by hand), `make run` still starts
    with app.app_context(), db.connection_context():
        from tests.factories import make_member
        make_member(preferred_name="Real")
        User.update(is_demo=False).where(User.username == "amina").execute()
    third = runner.invoke(args=["seed-demo", "--if-empty"])
    assert third.exit_code == 0 and "used as it is" in third.output


def test_create_user_refuses_duplicate(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["create-user", "first", "--role", "admin", "--setup-code"])
    result = runner.invoke(args=["create-user", "FIRST", "--role", "admin", "--setup-code"])
    assert result.exit_code != 0



def test_gunicorn_master_compiles_every_template_before_forking(app):
    """app.wsgi (app.preload) compiles all templates (and loads both catalogues) once in
    the master, so forked and recycled workers share them; it also proves
    every template, PDFs included, compiles."""
    from app.preload import compile_for_workers
    count = compile_for_workers(app)
    cached = {key[1] for key in app.jinja_env.cache.keys()}
    assert count == len(cached) > 50
    assert {"base.html", "members/show.html", "counselling/agenda.html"} <= cached


def test_pages_name_their_icon_so_browsers_do_not_ask_for_favicon_ico(client):
    from bs4 import BeautifulSoup
    icon = BeautifulSoup(client.get("/login").data, "html.parser").find("link", rel="icon")
    response = client.get(icon["href"])
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data and len(response.data) < 1024


def test_no_action_sits_in_an_hgroup():
    """Pico greys the last child of an hgroup (a subtitle): a "New user"
    button there read at 1.02:1 contrast (#12 item 6)."""
    from pathlib import Path
    for path in Path("templates").rglob("*.html"):
        for group in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")("hgroup"):
            assert not group.select("a, button, form, [role=button]"), path

"""Every string a person reads exists in Swahili; the language follows the
user, then the cookie, then the browser."""
import importlib.machinery
import importlib.util
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent


def _i18n_script():
    loader = importlib.machinery.SourceFileLoader("kituo_i18n", str(ROOT / "scripts" / "i18n"))
    spec = importlib.util.spec_from_loader("kituo_i18n", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_no_swahili_message_is_missing_or_fuzzy():
    problems = _i18n_script().problems()
    assert problems == [], "\n".join(problems[:40])


def _heading(response):
    return BeautifulSoup(response.data, "html.parser").h1.get_text(strip=True)


def test_accept_language_picks_swahili(client):
    english = _heading(client.get("/login", headers={"Accept-Language": "en"}))
    swahili = _heading(client.get("/login", headers={"Accept-Language": "sw-KE,sw;q=0.9"}))
    assert english == "Sign in" and swahili != english


def test_language_switch_sets_cookie_for_anonymous(client):
    response = client.post("/language", data={"lang": "sw", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    assert page.html["lang"] == "sw"


def test_language_switch_saves_user_preference(app, client, login_as):
    user = login_as("mentor")
    client.post("/language", data={"lang": "sw", "next": "/"})
    from app.auth.models import User
    from app.db import db
    with app.app_context(), db.connection_context():
        assert User.get_by_id(user.id).language == "sw"


def test_user_preference_beats_browser(client, login_as):
    login_as("mentor", language="sw")
    page = BeautifulSoup(client.get("/", headers={"Accept-Language": "en"}).data, "html.parser")
    assert page.html["lang"] == "sw"


def test_language_switch_ignores_unknown_language_and_foreign_next(client):
    response = client.post("/language", data={"lang": "xx", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"
    assert client.get_cookie("kituo_lang") is None

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


def test_template_gettext_translates_escapes_and_follows_forced_locale(app):
    """Our template `_()` behaves as jinja2's newstyle gettext: translated in
    the request's locale (or a forced one, as PDFs use), variables escaped,
    `%%` unescaped, and the kept markup never crosses languages."""
    from flask import render_template_string
    from flask_babel import force_locale
    template = '{{ _("Sign in") }}|{{ _("%(n)s%%", n="<b>") }}|{{ ngettext("%(num)d day", "%(num)d days", 2) }}'
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = render_template_string(template)
        with force_locale("sw_KE"):
            forced = render_template_string(template)
        again = render_template_string(template)
    with app.test_request_context("/", headers={"Accept-Language": "sw"}):
        swahili = render_template_string(template)
    assert english == "Sign in|&lt;b&gt;%|2 days"
    assert again == english
    assert forced == swahili
    assert swahili.split("|")[0] not in ("", "Sign in")
    assert swahili.split("|")[1] == "&lt;b&gt;%"


def test_date_filters_show_nairobi_time_in_the_page_language(app):
    import datetime as dt
    from app.filters import local_date, local_datetime
    stored = dt.datetime(2026, 11, 23, 21, 30)  # naive UTC: 00:30 next day in Nairobi
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert local_datetime(stored) == "24/11/2026, 00:30"
        assert local_date(stored) == "24 Nov 2026"
        assert local_date(dt.date(2026, 11, 23)) == "23 Nov 2026"
        assert local_datetime(None) == local_date(None) == "—"
    with app.test_request_context("/", headers={"Accept-Language": "sw"}):
        assert local_date(stored, "long") == "24 Novemba 2026"


def test_time_filter_shows_the_time_of_day_in_nairobi_in_the_page_language(app):
    import datetime as dt
    from app.filters import local_time
    stored = dt.datetime(2026, 11, 23, 21, 30)  # naive UTC: 00:30 next day in Nairobi
    for language in ("en", "sw"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            assert local_time(stored) == "00:30"
            assert local_time(dt.time(9, 5)) == "09:05"      # a wall-clock time as it is
            assert local_time(None) == "—"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert local_time(stored, "medium") == "00:30:00"


def test_one_english_word_with_two_meanings_keeps_both_swahili_words(app):
    """All catalogues share one domain: a context (pgettext) keeps a goal's
    "In progress" apart from a safeguarding concern's."""
    from flask import render_template_string
    from app.i18n import lazy_pgettext, pgettext
    from app.mentorship.labels import GOAL_STATUS_LABELS
    with app.test_request_context("/", headers={"Accept-Language": "sw"}):
        concern = render_template_string('{{ _("In progress") }}')
        goal = render_template_string('{{ pgettext("goal", "In progress") }}')
        assert concern == "Inashughulikiwa" and goal == "Inaendelea"
        assert pgettext("goal", "In progress") == str(lazy_pgettext("goal", "In progress")) == goal
        assert str(GOAL_STATUS_LABELS["in_progress"]) == goal
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string('{{ pgettext("goal", "In progress") }}') == "In progress"


def test_the_two_meanings_of_leave_read_differently_in_swahili(app):
    """Leaving a group session is not holiday leave (#12 item 6)."""
    from flask_babel import force_locale
    from app.counselling.labels import EXCEPTION_LABELS
    from app.i18n import pgettext
    with app.test_request_context(), force_locale("sw"):
        assert str(EXCEPTION_LABELS["leave"]) == "Likizo"
        assert pgettext("stop attending a group session", "Leave") == "Jiondoe"
    template = open("templates/counselling/my_groups.html", encoding="utf-8").read()
    assert 'pgettext("stop attending a group session", "Leave")' in template

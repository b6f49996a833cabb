"""Languages: English and Kiswahili. Preference order: the signed-in
user's setting, then the `lang` cookie, then Accept-Language."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, request
from flask_babel import Babel
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "sw": "Kiswahili"}
LANG_COOKIE = "kituo_lang"
# Kenyan conventions for dates and numbers (23/11/2026, 15:00).
REGIONAL_LOCALE = {"en": "en_KE", "sw": "sw_KE"}


def select_language() -> str:
    """"en" or "sw": the user's setting, then the cookie, then the browser."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or "en"


def select_locale() -> str:
    return REGIONAL_LOCALE[select_language()]


def lang_code() -> str:
    """The page language as an HTML lang code: "en" or "sw"."""
    from flask_babel import get_locale
    locale = get_locale()
    return locale.language if locale else "en"


def translation_directories(app_root: Path) -> list[Path]:
    """The core catalogue (app/translations) and one per module that has
    its own (app/<module>/translations), so modules own their strings."""
    return [app_root / "translations"] + sorted(
        p for p in app_root.glob("*/translations") if p.is_dir())


def request_translations():
    """Flask-Babel's translations, looked up once per request: templates ask
    for a few dozen strings per page and each lookup walks several contexts."""
    from flask import g
    from flask_babel import get_locale, get_translations
    locale = get_locale()  # changes inside force_locale (PDFs in a member's language)
    cached = g.get("_kituo_translations")
    if cached is None or cached[0] is not locale:
        cached = g._kituo_translations = (locale, get_translations())
    return cached[1]


def init_app(app) -> None:
    dirs = ";".join(str(p) for p in translation_directories(Path(app.root_path)))
    Babel(app, locale_selector=select_locale, default_translation_directories=dirs)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)
    from flask_babel import get_locale
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["lang_code"] = lang_code

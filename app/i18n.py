"""Languages: English and Kiswahili. Preference order: the signed-in
user's setting, then the `lang` cookie, then Accept-Language."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, g, has_app_context, request
from flask_babel import Babel, Domain
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


class RequestCachedDomain(Domain):
    """Flask-Babel's domain, with the translations kept on `g` for the rest
    of the request. A page asks for a hundred strings (labels, lazy role
    and menu names); each lookup used to walk several contexts. Keyed by
    the current locale object, so force_locale (PDFs in a member's
    language) still switches language."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        store = g._get_current_object()  # one context lookup, not four
        state = getattr(store, "_flask_babel", None)
        locale = getattr(state, "babel_locale", None)
        cached = getattr(store, "_kituo_translations", None)
        if cached is not None and locale is not None and cached[0] is locale:
            return cached[1]
        translations = super().get_translations()
        store._kituo_translations = (store._flask_babel.babel_locale, translations)
        return translations


def init_app(app) -> None:
    dirs = ";".join(str(p) for p in translation_directories(Path(app.root_path)))
    babel = Babel(app, locale_selector=select_locale, default_translation_directories=dirs)
    babel.domain_instance = RequestCachedDomain()
    from flask_babel import get_locale
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["lang_code"] = lang_code

"""Languages: English and Kiswahili. Preference order: the signed-in
user's setting, then the `lang` cookie, then Accept-Language."""
from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, Domain
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

LANGUAGE_NAMES = {"en": "English", "sw": "Kiswahili"}
LANG_COOKIE = "kituo_lang"
# Kenyan conventions for dates and numbers (23/11/2026, 15:00).
REGIONAL_LOCALE = {"en": "en_KE", "sw": "sw_KE"}


def select_language() -> str:
    """"en" or "sw": the user's setting, then the cookie, then the browser.
    With no request (the worker, the command line) the centre's default:
    work done there names its language explicitly (in_language)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if not has_request_context():     # a command or the worker: no cookie, no browser
        return "en"
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or "en"


# Parsed once: Locale.parse looks for the locale's data file on disk each time.
_LOCALES = {code: Locale.parse(regional) for code, regional in REGIONAL_LOCALE.items()}


def select_locale() -> Locale:
    return _LOCALES[select_language()]


def in_language(code: str):
    """Context manager: text made inside it is in language `code` ("en" or
    "sw", with Kenyan date and number conventions), whatever the request's
    language, or with no request at all (worker tasks, PDFs for a member)."""
    from flask_babel import force_locale
    return force_locale(REGIONAL_LOCALE.get(code, code))


def bilingual(stem: str):
    """A text a person typed in both languages, kept in `<stem>_en` and
    `<stem>_sw` columns: `title = bilingual("title")` in a model gives
    `row.title(language)`, the Swahili one for "sw" (or "sw-KE"), else
    the English one."""
    def text(self, language) -> str:
        return getattr(self, f"{stem}_sw" if str(language).startswith("sw") else f"{stem}_en")
    text.__name__ = text.__qualname__ = stem
    return text


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


DOMAIN = RequestCachedDomain()


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext without its per-call domain lookup: Kituo has
    one domain (all catalogues merged). Use as `_` in Python code."""
    return DOMAIN.gettext(string, **variables)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    return DOMAIN.ngettext(singular, plural, num, **variables)


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when shown (labels defined at import time): `_l`."""
    return LazyString(DOMAIN.gettext, string, **variables)


def pgettext(context: str, string: str, **variables) -> str:
    """gettext for a word that means different things in different places
    ("Open" the status, "Open" the button): all modules share one domain,
    so the context keeps their Swahili apart."""
    return DOMAIN.pgettext(context, string, **variables)


def lazy_pgettext(context: str, string: str, **variables) -> LazyString:
    return LazyString(DOMAIN.pgettext, context, string, **variables)


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    """`_()` and `gettext()` in templates, as jinja2.ext.i18n's newstyle
    gettext does it (escaped, always %-formatted) without its second
    context call and Flask-Babel's lookups. A page calls it a hundred
    times; the markup of a string without variables is kept per catalogue.
    It takes the evaluation context only (is autoescape on), not the
    template's: Jinja makes a copy of the whole context for each call of a
    function given the context inside a loop or a block that sets a
    variable (~5 us each, 40-80 calls a key page)."""
    translations = DOMAIN.get_translations()
    if not eval_ctx.autoescape:
        return translations.ugettext(string) % variables
    if variables:
        return Markup(translations.ugettext(string)) % variables
    cache = translations.__dict__.setdefault("_kituo_markup", {})
    markup = cache.get(string)
    if markup is None:
        markup = cache[string] = Markup(translations.ugettext(string)) % {}
    return markup


@pass_eval_context
def template_pgettext(eval_ctx, msgctxt: str, string: str, **variables) -> str:
    translated = DOMAIN.get_translations().upgettext(msgctxt, string)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    translated = DOMAIN.get_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


def init_app(app) -> None:
    dirs = ";".join(str(p) for p in translation_directories(Path(app.root_path)))
    babel = Babel(app, locale_selector=select_locale, default_translation_directories=dirs)
    babel.domain_instance = DOMAIN
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                 ngettext=template_ngettext, pgettext=template_pgettext)
    from flask_babel import get_locale
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["lang_code"] = lang_code

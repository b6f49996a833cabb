"""Dashboard, health check, language switch and the neutral quick-exit page."""
from __future__ import annotations

from flask import abort, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.access import public, requires
from app.core import bp
from app.migrations import current_version
from app.i18n import LANG_COOKIE
from app.registry import registry
from app.security import safe_next_path


@bp.route("/")
@requires("account.manage")
def home():
    if not current_user.can("dashboard.view"):
        # No dashboard (e.g. members): go to the first page the user has.
        items = registry().nav_for(current_user)
        if not items:
            abort(403)
        return redirect(url_for(items[0].endpoint), code=303)
    reg = registry()
    panels = [(p, _panel_context(p)) for p in reg.panels_for(current_user)]
    return render_template("core/dashboard.html", panels=panels)


def _panel_context(panel):
    """A panel's figures, or None when they fail (a module's bug, one odd
    row in its data): logged, and the panel shows a short notice instead
    (the dashboard is every staff member's first page; one module never
    takes it down for everyone)."""
    try:
        return panel.context(current_user)
    except Exception:  # noqa: BLE001 - logged with its traceback; the page goes on
        current_app.logger.exception("dashboard panel %s failed", panel.key)
        return None


@bp.route("/healthz")
@public
def healthz():
    """Cheap enough to poll: a read of the schema version, a stat of the
    disk and of the secret key, and what the last backup found. "degraded"
    (still 200: Kituo serves) names its problems; "error" (503) when the
    database cannot be read."""
    body = {"status": "ok", "version": current_app.config["VERSION"], "db": "ok"}
    try:
        body["schema_version"] = current_version()
    except Exception:  # noqa: BLE001 - report, never raise, from a health check
        current_app.logger.exception("health check could not read the database")
        body["db"] = "error"
    problems = []
    for check in registry().health_checks:
        try:
            found = dict(check())
        except Exception:  # noqa: BLE001
            current_app.logger.exception("health check %s failed", check.__name__)
            found = {"problems": [f"{check.__module__}.{check.__name__}"]}
        problems += found.pop("problems", [])
        body.update(found)
    body["problems"] = problems
    if body["db"] != "ok":
        body["status"] = "error"
    elif problems:
        body["status"] = "degraded"
    return jsonify(body), 503 if body["status"] == "error" else 200


@bp.route("/language", methods=["POST"])
@public
def set_language():
    lang = request.form.get("lang", "")
    target = safe_next_path(request.form.get("next"), url_for("core.home"))
    response = make_response(redirect(target, code=303))
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=current_app.config["HTTPS"])
        if current_user.is_authenticated and current_user.language != lang:
            from app.auth.services import set_language
            set_language(current_user._get_current_object(), lang)
    return response


@bp.route("/recipes")
@public
def neutral_page():
    """Where quick exit lands: an ordinary page that says nothing of Kituo."""
    return render_template("core/neutral.html")

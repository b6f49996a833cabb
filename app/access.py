"""Who may do what: the role -> capability table, and route declarations.

Deny by default: `enforce_route_access` runs before every request and refuses
any endpoint that declared neither `@requires(...)` nor `@public`. A test walks
`app.url_map` so an undeclared route fails the suite before it can ship.

The table is built per app: each app's Registry starts from
BASE_CAPABILITIES below and modules add theirs in `register(app)` with
`app.extensions["kituo"].grant(role, *capabilities, label=...)`; the
registry's table is the one place that answers "who may" (shown on
/admin/access).
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from app.i18n import lazy_gettext as _l
from flask_login import current_user

ROLES = {
    "admin": _l("Administrator"),
    "coordinator": _l("Coordinator"),
    "counsellor": _l("Counsellor"),
    "mentor": _l("Mentor"),
    "finance": _l("Finance officer"),
    "trainer": _l("Trainer"),
    "safeguarding_lead": _l("Safeguarding lead"),
    "member": _l("Member"),
    # Held together with `counsellor` by whoever supervises the counselling
    # team: the only role that reads other counsellors' session notes.
    "counselling_supervisor": _l("Counselling supervisor"),
}
STAFF_ROLES = tuple(r for r in ROLES if r != "member")

BASE_CAPABILITY_LABELS = {
    "dashboard.view": _l("See the dashboard"),
    "account.manage": _l("Change own password and language"),
    "users.manage": _l("Create, edit and disable user accounts"),
    "audit.view": _l("Read and export the audit log"),
    "access.view": _l("See this table of roles and capabilities"),
}

# What each role may do before modules add theirs; each app's Registry
# starts from a copy (never changed in place).
BASE_CAPABILITIES: dict[str, frozenset[str]] = {role: frozenset(caps) for role, caps in {
    "admin": {"dashboard.view", "account.manage", "users.manage", "audit.view", "access.view"},
    "coordinator": {"dashboard.view", "account.manage"},
    "counsellor": {"dashboard.view", "account.manage"},
    "mentor": {"dashboard.view", "account.manage"},
    "finance": {"dashboard.view", "account.manage"},
    "trainer": {"dashboard.view", "account.manage"},
    "safeguarding_lead": {"dashboard.view", "account.manage"},
    "member": {"account.manage"},
    "counselling_supervisor": {"dashboard.view", "account.manage"},
}.items()}


def capabilities_of(roles) -> set[str]:
    """The capabilities of a set of roles in the current app."""
    return current_app.extensions["kituo"].capabilities_of(roles)


def user_can(user, capability: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and capability in user.capabilities


def scoped(query, user, every: str, own: str, owner_field):
    """`query` cut to what `user` may see: every row with the capability
    `every`, the rows whose `owner_field` is the user with `own`, else none.

        scoped(Pairing.select(), user, "mentorship.manage", "mentorship.view_own", Pairing.mentor)
    """
    if user_can(user, every):
        return query
    if user_can(user, own):
        return query.where(owner_field == user.id)
    return query.where(False)


def requires(*capabilities: str):
    """Declare the capabilities a view needs (all of them)."""
    def decorate(view):
        view.access_rule = ("requires", capabilities)
        return view
    return decorate


def public(view):
    """Declare a view open to anyone, signed in or not."""
    view.access_rule = ("public", ())
    return view


def access_rule_of(endpoint: str | None):
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access_rule", None)


def enforce_route_access():
    """before_request hook: deny by default."""
    if request.endpoint is None:  # 404/405: let the router answer
        return None
    rule = access_rule_of(request.endpoint)
    if rule is None:
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(403)
    kind, capabilities = rule
    if kind == "public":
        return None
    if not current_user.is_authenticated:
        return login_redirect()
    if not all(c in current_user.capabilities for c in capabilities):
        abort(403)
    return None


def login_redirect():
    from app.htmx import hx_redirect
    _say_why_the_session_ended()
    from app.urls import current_url
    target = url_for("auth.login", next=current_url() if request.method == "GET" else None)
    if request.headers.get("HX-Request") == "true":
        return hx_redirect(target)
    return redirect(target, code=303)


def _say_why_the_session_ended() -> None:
    """The session just ended by time (app.auth.services.load_session_user):
    the sign-in page says so."""
    from flask import flash, g
    from app.i18n import ngettext
    reason, cfg = g.pop("session_end_reason", None), current_app.config
    if reason == "expired":
        hours = cfg["SESSION_MAX_HOURS"]
        flash(ngettext("You were signed out %(num)d hour after signing in. Sign in again.",
                       "You were signed out %(num)d hours after signing in. Sign in again.",
                       hours), "info")
    elif reason == "idle":
        minutes = cfg["IDLE_TIMEOUT_MINUTES"]
        flash(ngettext("You were signed out after %(num)d minute without activity. Sign in again.",
                       "You were signed out after %(num)d minutes without activity. Sign in again.",
                       minutes), "info")

"""Administration: users and roles, the access table, the audit log."""
from flask import Blueprint

from app.figures import kept
from app.i18n import lazy_gettext as _l

from app.registry import BenchPage, NavItem, Panel

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _users_by_role_panel(user) -> dict:
    from app.auth.services import users_by_role
    return {"rows": list(kept("auth.users_by_role", lambda: dict(users_by_role())).items())}


def _recent_sign_ins_panel(user) -> dict:
    from app.auth.services import recent_sign_ins
    return {"users": list(recent_sign_ins())}


def register(app) -> None:
    from app.admin import views  # noqa: F401
    app.register_blueprint(bp)
    reg = app.extensions["kituo"]
    reg.nav += [
        NavItem(_l("Users"), "admin.users", "users.manage", 80),
        NavItem(_l("Audit log"), "admin.audit_log", "audit.view", 85),
        NavItem(_l("Access"), "admin.access_table", "access.view", 90),
    ]
    reg.bench_pages.append(BenchPage("admin users", "admin", "/admin/users"))
    reg.panels += [
        Panel("users_by_role", "admin/_panel_users_by_role.html", "users.manage",
              _users_by_role_panel, 80),
        Panel("recent_sign_ins", "admin/_panel_recent_sign_ins.html", "users.manage",
              _recent_sign_ins_panel, 81),
    ]

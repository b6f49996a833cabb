"""The shell every module stands on: dashboard, health, language switch."""
from flask import Blueprint
from app.i18n import lazy_gettext as _l

from app.registry import BenchPage, NavItem

bp = Blueprint("core", __name__)


def register(app) -> None:
    from app.core import views  # noqa: F401
    app.register_blueprint(bp)
    reg = app.extensions["kituo"]
    reg.nav.append(NavItem(_l("Dashboard"), "core.home", "dashboard.view", 0))
    reg.bench_pages.append(BenchPage("dashboard", "admin", "/"))

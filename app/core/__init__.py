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
    reg.health_checks += [_secret_key_health, _disk_health]


def _secret_key_health() -> dict:
    from flask import current_app
    from app import secret_key
    found = secret_key.problem(current_app.config.get("SECRET_KEY_FILE"))
    return {"problems": [found]} if found else {}


def _disk_health() -> dict:
    import os
    from flask import current_app
    from app import storage
    return storage.health(os.path.dirname(os.path.abspath(current_app.config["DATABASE"])))

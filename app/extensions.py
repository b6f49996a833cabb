"""Wire the shared extensions into an app: database, login, CSRF, Babel,
htmx, security headers, error pages and template filters."""
from __future__ import annotations

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from werkzeug.middleware.proxy_fix import ProxyFix

from app import access, db, errors, filters, forms, i18n, registry, security, static_files, urls

login_manager = LoginManager()
csrf = CSRFProtect()


def init_app(app) -> None:
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        # Not X-Forwarded-Host: links that leave the Pi use KITUO_HOSTNAME
        # (app.urls.external_url), never a host name a client sent.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)
    db.init_app(app)
    Htmx(app)
    csrf.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    app.before_request(access.enforce_route_access)
    security.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    forms.init_app(app)
    registry.init_app(app)
    static_files.init_app(app)
    urls.init_app(app)

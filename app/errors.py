"""Translated error pages. Nothing about the failure (and so no personal
data) is shown to the browser; the traceback goes to the server log only."""
from __future__ import annotations

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

HANDLED = (400, 403, 404, 405, 413, 422, 429, 500)
OWN_PAGES = (400, 403, 404, 422, 500, 503, 507)


def render_error(status: int, reason: str | None = None):
    template = f"errors/{status}.html" if status in OWN_PAGES else "errors/generic.html"
    try:
        body = render_template(template, status=status, reason=reason)
    except Exception:  # noqa: BLE001 - the error page itself failed: say little
        from flask import current_app
        current_app.logger.exception("error page %s failed to render", status)
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    if request.headers.get("HX-Request") == "true":
        # Let htmx swap the message in place of the failed partial.
        return body, status, {"HX-Retarget": "#main", "HX-Reswap": "innerHTML"}
    return body, status


def handle_http_error(error: HTTPException):
    return render_error(error.code or 500)


def handle_csrf_error(error: CSRFError):
    return render_error(400, reason="csrf")


def database_was_busy(error: Exception) -> bool:
    """SQLite gave up waiting for another writer (busy_timeout passed): the
    transaction was rolled back, so nothing was saved and trying again works."""
    return "database is locked" in str(error) and type(error).__name__ == "OperationalError"


def handle_unexpected(error: Exception):
    from flask import current_app
    from app import storage
    from app.db import database_folder
    if database_was_busy(error):
        current_app.logger.warning("the database was busy on %s; nothing was saved",
                                   request.endpoint)
        body, status, *headers = render_error(503)
        return body, status, {**(headers[0] if headers else {}), "Retry-After": "5"}
    kind = storage.explain(error, database_folder())
    if kind is not None:
        # The disk is full (or failing): the transaction was rolled back, so
        # nothing was saved. Say so plainly; one log line is enough.
        storage.note_failure(kind, database_folder())
        current_app.logger.error("a write failed on %s: %s (%s)", request.endpoint,
                                 "the disk is full" if kind == "full" else "disk I/O error",
                                 type(error).__name__)
        return render_error(507) if kind == "full" else render_error(500, reason="disk_error")
    current_app.logger.exception("unhandled error on %s", request.endpoint)
    return render_error(500)


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    for code in HANDLED:
        app.register_error_handler(code, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)

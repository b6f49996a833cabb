"""Template filters for the backups page: sizes and durations."""
from __future__ import annotations

from flask_babel import format_decimal
from app.i18n import gettext as _


def backup_bytes(value) -> str:
    if value is None:
        return "—"
    if value < 1000 * 1000:
        return _("%(n)s kB", n=format_decimal(value / 1000, "#,##0.#"))
    return _("%(n)s MB", n=format_decimal(value / 1000 / 1000, "#,##0.0"))


def backup_duration(ms) -> str:
    if ms is None:
        return "—"
    seconds = ms / 1000
    if seconds < 60:
        return _("%(n)s s", n=format_decimal(seconds, "0.0"))
    return _("%(m)d min %(s)d s", m=int(seconds // 60), s=int(seconds % 60))


def init_app(app) -> None:
    app.add_template_filter(backup_bytes, "backup_bytes")
    app.add_template_filter(backup_duration, "backup_duration")

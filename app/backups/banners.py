"""Banners across the top of every page: no off-Pi backup for 36 hours
(admins and coordinators), and a clock that went back (admins)."""
from __future__ import annotations

from flask import current_app
from flask_babel import format_datetime, gettext as _

from app.backups import services
from app.db import utcnow
from app.registry import Banner

STALE_ROLES = {"admin", "coordinator"}


def stale_backup_banner(user) -> list[Banner]:
    if not STALE_ROLES & set(user.role_names):
        return []
    try:
        age = services.offsite_stale()
    except Exception:  # noqa: BLE001 - a banner must never break a page
        current_app.logger.exception("backup banner check failed")
        return []
    if age is None:
        return []
    hours = int(age.total_seconds() // 3600)
    if services.last_offsite_success_at() is None:
        text = _("No backup has reached a safe place outside the Pi yet. "
                 "The administrator must set up backups on the Backups page.")
    else:
        text = _("No backup has reached a safe place outside the Pi for %(hours)d hours. "
                 "If the Pi breaks or is stolen, this work is lost. "
                 "Tell the administrator, who can check the Backups page.", hours=hours)
    return [Banner(text, "danger")]


def clock_banner(user) -> list[Banner]:
    if "backups.view" not in user.capabilities:
        return []
    behind = services.clock_status()
    if behind is None:
        return []
    now = utcnow()
    return [Banner(_("The Pi's clock is wrong: it says %(now)s, but Kituo already saved a time of "
                     "%(newest)s. Connect the Pi to the internet or set the clock, so backups and "
                     "bookings get the right date.",
                     now=format_datetime(now, "short"),
                     newest=format_datetime(now + behind, "short")), "danger")]

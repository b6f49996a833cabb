"""Banners across the top of every page: no off-Pi backup for 36 hours
(admins and coordinators), and a clock that went back (admins)."""
from __future__ import annotations

import time

from flask import current_app
from flask_babel import format_datetime
from app.i18n import gettext as _

from app.backups import services
from app.db import utcnow
from app.registry import Banner

STALE_ROLES = {"admin", "coordinator"}


STATE_SECONDS = 30  # banners sit on every page: look at the backups twice a minute


def _stale_state():
    """(age, ever_succeeded) or None, refreshed at most every 30 s per process."""
    cache = current_app.extensions.setdefault("kituo_backups_banner", {})
    now = time.monotonic()
    max_age = min(STATE_SECONDS, current_app.config["PANEL_CACHE_SECONDS"])  # 0 in tests
    if now - cache.get("at", -1e9) > max_age or max_age <= 0:
        age = services.offsite_stale()
        cache["state"] = None if age is None else (age, services.last_offsite_success_at() is not None)
        cache["at"] = now
    return cache["state"]


def stale_backup_banner(user) -> list[Banner]:
    if not STALE_ROLES & set(user.role_names):
        return []
    try:
        state = _stale_state()
    except Exception:  # noqa: BLE001 - a banner must never break a page
        current_app.logger.exception("backup banner check failed")
        return []
    if state is None:
        return []
    age, ever_succeeded = state
    hours = int(age.total_seconds() // 3600)
    if not ever_succeeded:
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

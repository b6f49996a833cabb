"""Banners across the top of every page: no off-Pi backup for 36 hours, or
an unknown age because the clock went back (admins and coordinators); a
clock that went back (admins and coordinators); a disk under 10 % free
(admins)."""
from __future__ import annotations

import time

from flask import current_app
from flask_babel import format_datetime, format_decimal

from app import storage
from app.backups import status
from app.clock import utcnow
from app.db import database_folder
from app.i18n import gettext as _
from app.registry import Banner

STALE_ROLES = {"admin", "coordinator"}
DISK_ROLES = {"admin"}

def _freshness() -> status.Freshness:
    """status.freshness(), refreshed at most every BACKUP_STATE_SECONDS per
    process: banners sit on every page."""
    cache = current_app.extensions.setdefault("kituo_backups_banner", {})
    now = time.monotonic()
    max_age = current_app.config["BACKUP_STATE_SECONDS"]  # 0 in tests
    if now - cache.get("at", -1e9) > max_age or max_age <= 0:
        cache["state"] = status.freshness()
        cache["at"] = now
    return cache["state"]


def stale_backup_banner(user) -> list[Banner]:
    if not STALE_ROLES & set(user.role_names):
        return []
    try:
        fresh = _freshness()
    except Exception:  # noqa: BLE001 - a banner must never break a page
        current_app.logger.exception("backup banner check failed")
        return []
    if not fresh.overdue:
        return []
    if fresh.kind == "never":
        text = _("No backup has reached a safe place outside the Pi yet. "
                 "The administrator must set up backups on the Backups page.")
    elif fresh.kind == "unknown":
        text = _("How old the last backup is cannot be told: the Pi's clock is behind the time "
                 "of the last backup. A new backup is made now; tell the administrator, who "
                 "can check the Backups page.")
    else:
        text = _("No backup has reached a safe place outside the Pi for %(hours)d hours. "
                 "If the Pi breaks or is stolen, this work is lost. "
                 "Tell the administrator, who can check the Backups page.", hours=fresh.hours)
    return [Banner(text, "danger")]


def clock_banner(user) -> list[Banner]:
    if not STALE_ROLES & set(user.role_names):
        return []
    behind = status.clock_status()
    if behind is None:
        return []
    now = utcnow()
    return [Banner(_("The Pi's clock is wrong: it says %(now)s, but Kituo already saved a time of "
                     "%(newest)s. Connect the Pi to the internet or set the clock, so backups and "
                     "bookings get the right date.",
                     now=format_datetime(now, "short"),
                     newest=format_datetime(now + behind, "short")), "danger")]


def disk_space_banner(user) -> list[Banner]:
    if not DISK_ROLES & set(user.role_names):
        return []
    try:
        state, space = storage.state(database_folder())
    except OSError:
        return []
    if state == "ok":
        return []
    return [Banner(_("Only %(percent)s %% of the centre's computer's disk is free "
                     "(%(free)s GB). When it is full, nothing can be saved: remove old files "
                     "or move Kituo to a bigger card.",
                     percent=format_decimal(space.fraction * 100, "0.#"),
                     free=format_decimal(space.free / 1e9, "0.##")),
                   "danger" if state == "full" else "warning")]

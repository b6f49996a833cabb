"""The state of the backups, for the admin page, the banners, the command
line and /healthz: how fresh the last off-Pi copy is, what stops backups
from working, and whether the clock went back.

A last success stamped *after* the clock's "now" says nothing about how
old the backups are (the Pi's clock went back after a power cut): it
counts as unknown age, so a backup is made at once and the red banner
shows, instead of no backup being due for days and /healthz saying age 0.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass

from flask import current_app

from app import db as database
from app.backups import places
from app.backups.models import BackupRun, DestinationResult
from app.backups.rclone import label
from app.backups.settings import SettingsError, current, recipients
from app.clock import utcnow

log = logging.getLogger(__name__)
KEY_PROBLEMS = {"no_recipients", "recipient_invalid", "recipients_file_missing"}


@dataclass
class DestinationStatus:
    label: str
    last_success: DestinationResult | None
    last_attempt: DestinationResult | None
    problem: str | None = None       # e.g. "usb_not_mounted", known before the night


def history(runs: int) -> tuple[list[BackupRun], dict[int, list[DestinationResult]]]:
    """The latest `runs` backup runs, newest first, and each run's results
    per destination (by run id), in two queries."""
    latest = BackupRun.latest(runs)
    results: dict[int, list[DestinationResult]] = {run.id: [] for run in latest}
    for result in DestinationResult.for_latest_runs(runs):
        results.setdefault(result.run_id, []).append(result)
    return latest, results


def destination_overview() -> list[DestinationStatus]:
    """Each place with its last success and attempt. A plain folder is
    checked now (is the drive mounted?); rclone remotes are not asked
    (that is a program run per page view): their last attempt says."""
    result = []
    data_dir = database.database_folder()
    for destination in current().destinations:
        shown = label(destination)
        problem = None if places.is_named_remote(destination) else \
            places.problem(destination, {}, data_dir)
        result.append(DestinationStatus(shown, DestinationResult.last_success(shown),
                                        DestinationResult.last_attempt(shown), problem))
    return result


def configuration_problems() -> list[str]:
    """Codes of what stops backups from working (shown on the page)."""
    problems = []
    try:
        if not recipients():
            problems.append("no_recipients")
    except SettingsError as error:
        problems.append(error.code)
    try:
        if not current().destinations:
            problems.append("no_destinations")
    except SettingsError as error:
        problems.append(error.code)
    return problems


def key_missing(problems: list[str]) -> bool:
    """No usable public key: nothing can be encrypted, so nothing runs."""
    return bool(KEY_PROBLEMS & set(problems))


# --- freshness ---------------------------------------------------------------------

def last_offsite_success_at(now: dt.datetime | None = None) -> dt.datetime | None:
    """The latest backup that reached a place, not counting any stamped
    after `now` (the clock went back since)."""
    found = DestinationResult.last_success(before=now or utcnow())
    return found.finished_at if found else None


def installed_at() -> dt.datetime | None:
    row = database.SchemaVersion.select(database.SchemaVersion.applied_at).order_by(
        database.SchemaVersion.applied_at).first()
    return row.applied_at if row else None


@dataclass(frozen=True)
class Freshness:
    kind: str                      # "ok", "stale", "never" or "unknown" (clock went back)
    age: dt.timedelta | None       # since the last success; None when never or unknown
    overdue: bool                  # the red banner shows

    @property
    def hours(self) -> int:
        return int(self.age.total_seconds() // 3600) if self.age else 0


def freshness(now: dt.datetime | None = None) -> Freshness:
    now = now or utcnow()
    limit = dt.timedelta(hours=current_app.config["BACKUP_STALE_HOURS"])
    last = last_offsite_success_at(now)
    if last is not None:
        age = now - last
        return Freshness("stale" if age > limit else "ok", age, age > limit)
    if DestinationResult.last_success() is not None:
        return Freshness("unknown", None, True)     # successes only "in the future"
    since = installed_at()
    return Freshness("never", None, since is not None and now - since > limit)


def offsite_age(now: dt.datetime | None = None) -> dt.timedelta | None:
    return freshness(now).age


def health() -> dict:
    """For /healthz: ages and codes only, no names or paths. Problems: the
    last integrity check of a snapshot failed (the live database is
    probably damaged); the last backup found the disk full; the clock is
    behind the last backup."""
    fresh = freshness()
    problems = []
    checked = BackupRun.last_checked()
    if checked is not None and checked.integrity == "failed":
        problems.append("backup_integrity_check_failed")
    finished = BackupRun.last_finished()
    if finished is not None and finished.error == "disk_full":
        problems.append("disk_full")
    if fresh.kind == "unknown":
        problems.append("clock_behind_last_backup")
    return {"backup": fresh.kind,
            "backup_age_seconds": None if fresh.age is None else int(fresh.age.total_seconds()),
            "problems": problems}


# --- clock sanity ------------------------------------------------------------------

def newest_stored_time() -> dt.datetime | None:
    """The latest moment Kituo wrote down that something happened."""
    from app.audit import AuditEvent
    from app.auth.models import UserSession
    from app.jobs.models import Job
    columns = [AuditEvent.at, BackupRun.started_at, BackupRun.finished_at,
               DestinationResult.finished_at, Job.created_at, UserSession.last_seen_at,
               database.SchemaVersion.applied_at]
    found = []
    for column in columns:
        value = column.model.select(database.pw.fn.MAX(column)).scalar()
        if value is not None:
            found.append(value if isinstance(value, dt.datetime)
                         else column.python_value(value))
    return max(found) if found else None


def clock_behind(now: dt.datetime | None = None) -> dt.timedelta | None:
    """How far the system clock is behind the newest stored time, when more
    than the tolerance (a Pi without a real-time clock after a power cut)."""
    now = now or utcnow()
    newest = newest_stored_time()
    tolerance = dt.timedelta(minutes=current_app.config["BACKUP_CLOCK_TOLERANCE_MINUTES"])
    if newest is not None and newest - now > tolerance:
        return newest - now
    return None


CLOCK_RECHECK_SECONDS = 600


def clock_status() -> dt.timedelta | None:
    """clock_behind(), checked when the process starts serving and then at
    most every ten minutes (it runs on staff pages)."""
    state = current_app.extensions.setdefault("kituo_backups_clock", {})
    if time.monotonic() - state.get("checked", -1e9) > CLOCK_RECHECK_SECONDS:
        with contextlib.suppress(Exception):
            state["behind"] = clock_behind()
            state["checked"] = time.monotonic()
            if state["behind"]:
                log.warning("system clock is %s behind the newest stored time", state["behind"])
    return state.get("behind")

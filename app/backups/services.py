"""Backups: take a consistent snapshot, check it, compress and encrypt it,
push it to every destination, verify, prune, and record everything.

    run = run_backup("manual", requested_by=user.id, progress=callback)

Only one backup runs at a time (a huey lock shared by the web processes,
the worker and the command line). Status helpers feed the admin page,
the banners and /healthz.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import current_app
from huey.exceptions import TaskLockedException

from app import db as database
from app.backups import archive, retention, schedule
from app.backups.archive import ArchiveError
from app.backups.models import BackupRun, DestinationResult
from app.backups.rclone import Rclone, RcloneError, join, label, scrub
from app.backups.settings import Settings, SettingsError, current, recipients
from app.db import Prepared, utcnow

log = logging.getLogger(__name__)
LOCK_NAME = "kituo-backup"


class BackupBusy(Exception):
    """Another backup is running."""


class VerifyError(Exception):
    pass


def _lock():
    from app.queue import huey
    return huey.lock_task(LOCK_NAME)


def backup_running() -> bool:
    from app.queue import huey
    return huey.is_locked(LOCK_NAME)


def current_run() -> BackupRun | None:
    """The run in progress (a "running" row left by a crash does not count:
    nobody holds the lock then)."""
    run = BackupRun.running()
    return run if run is not None and backup_running() else None


WAITING_JOB_MINUTES = 30


def waiting_job():
    """A "Back up now" job the worker has not started yet (recent ones only:
    a job queued while the worker was stopped is not waited for forever)."""
    since = utcnow() - dt.timedelta(minutes=WAITING_JOB_MINUTES)
    return _WAITING_JOB.first(since=since.isoformat(" "))


def _waiting_job_query(p):
    from app.jobs.models import Job
    return (Job.select().where((Job.kind == "backup")
                               & Job.status.in_([Job.QUEUED, Job.RUNNING])
                               & (Job.created_at >= p("since")))
            .order_by(Job.created_at.desc()).limit(1))


_WAITING_JOB = Prepared(_waiting_job_query)


# --- one run ----------------------------------------------------------------

@dataclass
class Pushed:
    ok: bool
    attempts: int
    verified_by: str = ""
    error: str = ""


def verify_upload(tool: Rclone, remote: str, size: int, hashes: dict) -> str:
    """Compare the uploaded file with ours: a hash when the remote knows one
    of ours, else the size. Returns what was compared."""
    found = tool.stat(remote)
    if found is None:
        raise VerifyError("file missing after upload")
    if int(found.get("Size", -1)) != size:
        raise VerifyError(f"size mismatch after upload ({found.get('Size')} != {size})")
    remote_hashes = found.get("Hashes") or {}
    for kind in ("sha256", "sha1", "md5"):
        if remote_hashes.get(kind):
            if remote_hashes[kind].lower() != hashes[kind]:
                raise VerifyError(f"{kind} mismatch after upload")
            return kind
    return "size"


def push(tool: Rclone, archive_path: Path, checksum_path: Path, hashes: dict, size: int,
         destination: str, attempts: int, retry_seconds: float,
         sleep: Callable[[float], None]) -> Pushed:
    """Upload, verify and add the checksum file; retry with doubling waits."""
    error = ""
    for attempt in range(1, attempts + 1):
        try:
            remote = join(destination, archive_path.name)
            tool.copy_file(str(archive_path), remote)
            verified_by = verify_upload(tool, remote, size, hashes)
            tool.copy_file(str(checksum_path), join(destination, checksum_path.name))
            return Pushed(True, attempt, verified_by)
        except (RcloneError, VerifyError) as failure:
            error = scrub(str(failure))
            log.warning("backup upload to %s failed (attempt %d/%d): %s",
                        label(destination), attempt, attempts, error)
            if attempt < attempts:
                sleep(retry_seconds * 2 ** (attempt - 1))
    return Pushed(False, attempts, error=error)


def prune(tool: Rclone, destination: str, settings: Settings) -> int:
    names = tool.list_names(destination)
    doomed = retention.to_delete(names, settings.retention, settings.timezone)
    for name in doomed:
        tool.delete_file(join(destination, name))
    return len([n for n in doomed if archive.time_of(n) is not None])


def prune_local(work_dir: Path, keep: int) -> None:
    """Keep the newest `keep` encrypted copies in the work folder (useful
    when every destination is down; the Pi cannot read them)."""
    copies = sorted((p for p in work_dir.iterdir() if archive.time_of(p.name)), reverse=True)
    for old in copies[keep:]:
        old.unlink(missing_ok=True)
        old.with_name(old.name + archive.CHECKSUM_SUFFIX).unlink(missing_ok=True)


def _ms_since(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


class _Recorder:
    """Writes the run's progress, phase and results as it goes."""

    def __init__(self, run: BackupRun, progress: Callable | None):
        self.run = run
        self.progress = progress

    def step(self, pct: int, phase: str) -> None:
        BackupRun.update(progress=pct, phase=phase).where(BackupRun.id == self.run.id).execute()
        if self.progress:
            self.progress(pct, phase)

    def save(self, **fields) -> None:
        BackupRun.update(**fields).where(BackupRun.id == self.run.id).execute()


def run_backup(trigger: str, *, job_id=None, requested_by=None, progress=None,
               sleep: Callable[[float], None] = time.sleep) -> BackupRun:
    """Take, encrypt and push one backup. Raises BackupBusy when another is
    running; records (and returns) a failed run for every expected failure."""
    lock = _lock()
    try:
        lock.acquire()
    except TaskLockedException:
        if not _lock_is_stale():
            raise BackupBusy() from None
        log.warning("clearing a backup lock left by a run that stopped over %s ago", STALE_LOCK)
        lock.release()
        try:
            lock.acquire()
        except TaskLockedException:
            raise BackupBusy() from None
    try:
        return _run_locked(trigger, job_id, requested_by, progress, sleep)
    finally:
        lock.release()


STALE_LOCK = dt.timedelta(hours=12)


def _lock_is_stale() -> bool:
    """The lock outlived its run: a crash (power cut) left a "running" row
    far older than any backup takes. (The worker also clears locks when it
    starts, with --flush-locks.)"""
    newest = BackupRun.running()
    return newest is not None and utcnow() - newest.started_at > STALE_LOCK


def _run_locked(trigger, job_id, requested_by, progress, sleep) -> BackupRun:
    # We hold the lock: a "running" row now is a run a crash interrupted.
    BackupRun.update(status=BackupRun.INTERRUPTED, finished_at=utcnow()).where(
        BackupRun.status == BackupRun.RUNNING).execute()
    run = BackupRun.create(trigger=trigger, job_id=str(job_id) if job_id else None,
                           requested_by=requested_by)
    recorder = _Recorder(run, progress)
    started = time.monotonic()
    status, error = BackupRun.FAILED, "unexpected_error"
    scratch = None
    try:
        settings = current()
        keys = recipients()
        if not keys:
            raise SettingsError("no_recipients")
        work_dir = settings.work_dir
        work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        scratch = work_dir / f"run-{run.id}"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(mode=0o700)
        status, error = _take_and_push(run, recorder, settings, keys, scratch, sleep)
    except (SettingsError, ArchiveError) as failure:
        error = failure.code
        log.error("backup %s failed: %s", run.id, failure)
    except Exception:
        log.exception("backup %s failed unexpectedly", run.id)
        raise
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        recorder.save(status=status, error=error[:255], finished_at=utcnow(),
                      duration_ms=_ms_since(started), progress=100,
                      phase="done" if status != BackupRun.FAILED else "failed")
    return BackupRun.get_by_id(run.id)


def _take_and_push(run, recorder: _Recorder, settings: Settings, keys, scratch: Path, sleep):
    recorder.step(5, "snapshot")
    snapshot = scratch / archive.DB_MEMBER
    database.snapshot_to(snapshot)

    recorder.step(25, "check")
    if database.file_integrity_problems(snapshot):
        raise ArchiveError("integrity_check_failed")
    tables = database.file_row_counts(snapshot)
    schema_version = database.file_schema_version(snapshot)
    db_bytes = snapshot.stat().st_size
    manifest = archive.build_manifest(
        created_at=run.started_at, app_version=current_app.config["VERSION"],
        schema_version=schema_version, tables=tables,
        database_sha256=archive.file_hashes(snapshot)["sha256"], database_bytes=db_bytes)

    recorder.step(35, "encrypt")
    target = settings.work_dir / archive.archive_name(run.started_at)
    archive.write_encrypted(snapshot, manifest, keys, target)
    snapshot.unlink()
    hashes = archive.file_hashes(target)
    size = target.stat().st_size
    checksum = archive.write_checksum_file(target, hashes["sha256"])
    recorder.save(filename=target.name, size_bytes=size, database_bytes=db_bytes,
                  sha256=hashes["sha256"], schema_version=schema_version,
                  table_count=len(tables), row_count=manifest["row_count"])

    tool = Rclone(settings.rclone, settings.rclone_config, settings.rclone_timeout)
    destinations = settings.destinations
    successes = 0
    for index, destination in enumerate(destinations):
        recorder.step(50 + int(45 * index / len(destinations)), "upload")
        if _push_one(run, tool, target, checksum, hashes, size, destination, settings, sleep):
            successes += 1
    recorder.step(97, "tidy")
    prune_local(settings.work_dir, settings.keep_local)
    if not destinations:
        return BackupRun.LOCAL_ONLY, "no_destinations"
    if successes == len(destinations):
        return BackupRun.OK, ""
    if successes:
        return BackupRun.PARTIAL, "some_destinations_failed"
    return BackupRun.FAILED, "all_destinations_failed"


def _push_one(run, tool, target, checksum, hashes, size, destination, settings, sleep) -> bool:
    result = DestinationResult.create(run=run, destination=label(destination))
    started = time.monotonic()
    pushed = push(tool, target, checksum, hashes, size, destination, settings.attempts,
                  settings.retry_seconds, sleep)
    fields = dict(status=DestinationResult.OK if pushed.ok else DestinationResult.FAILED,
                  attempts=pushed.attempts, verified_by=pushed.verified_by,
                  size_bytes=size if pushed.ok else None, error=pushed.error[:255])
    if pushed.ok:
        try:
            fields["pruned"] = prune(tool, destination, settings)
        except RcloneError as failure:
            fields["error"] = scrub(f"pruning old copies failed: {failure}")[:255]
    fields.update(finished_at=utcnow(), duration_ms=_ms_since(started))
    DestinationResult.update(**fields).where(DestinationResult.id == result.id).execute()
    return pushed.ok


def snapshot_copy(target: Path) -> dict:
    """A plain, checked copy of the live database (upgrade.sh keeps one on
    the Pi before upgrading, to roll back without the private key)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    database.snapshot_to(partial)
    if database.file_integrity_problems(partial):
        partial.unlink(missing_ok=True)
        raise ArchiveError("integrity_check_failed")
    partial.chmod(0o600)
    partial.replace(target)
    return database.file_row_counts(target)


# --- schedule and catch-up ------------------------------------------------------

def _last_start(statuses=None) -> dt.datetime | None:
    query = BackupRun.select(BackupRun.started_at)
    if statuses is not None:
        query = query.where(BackupRun.status.in_(statuses))
    row = query.order_by(BackupRun.started_at.desc()).first()
    return row.started_at if row else None


def due_trigger(now: dt.datetime | None = None) -> str | None:
    """"scheduled" or "catch_up" when a backup should run now, else None."""
    now = now or utcnow()
    settings = current()
    slot = schedule.last_slot(now, settings.time_of_day, settings.timezone)
    if schedule.is_due(now, slot, _last_start(BackupRun.COMPLETE), _last_start(),
                       settings.retry_hours):
        return schedule.trigger_for(now, slot)
    return None


def run_if_due(now: dt.datetime | None = None, sleep=time.sleep) -> BackupRun | None:
    """The periodic check. Without a usable public key nothing can be
    encrypted: no run is recorded every hour then (the page and the 36-hour
    banner already say so)."""
    trigger = due_trigger(now)
    if trigger is None or backup_running():
        return None
    unusable = {"no_recipients", "recipient_invalid", "recipients_file_missing"}
    if unusable & set(configuration_problems()):
        log.warning("backup due but no usable public key is configured")
        return None
    try:
        return run_backup(trigger, sleep=sleep)
    except BackupBusy:
        return None


def next_run_at(now: dt.datetime | None = None) -> dt.datetime:
    """When the next backup will start (the periodic check runs every
    CHECK_MINUTES minutes, see tasks.py)."""
    from app.backups.tasks import CHECK_MINUTES
    now = now or utcnow()
    settings = current()
    if due_trigger(now):
        minutes = CHECK_MINUTES - now.minute % CHECK_MINUTES
        return now.replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)
    return schedule.next_slot(now, settings.time_of_day, settings.timezone)


# --- status: admin page, banners, /healthz -------------------------------------

@dataclass
class DestinationStatus:
    label: str
    last_success: DestinationResult | None
    last_attempt: DestinationResult | None


def destination_overview() -> list[DestinationStatus]:
    result = []
    for destination in current().destinations:
        shown = label(destination)
        result.append(DestinationStatus(shown, DestinationResult.last_success(shown),
                                        DestinationResult.last_attempt(shown)))
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


def last_offsite_success_at() -> dt.datetime | None:
    found = DestinationResult.last_success()
    return found.finished_at if found else None


def installed_at() -> dt.datetime | None:
    row = database.SchemaVersion.select(database.SchemaVersion.applied_at).order_by(
        database.SchemaVersion.applied_at).first()
    return row.applied_at if row else None


def offsite_age(now: dt.datetime | None = None) -> dt.timedelta | None:
    last = last_offsite_success_at()
    return None if last is None else (now or utcnow()) - last


def offsite_stale(now: dt.datetime | None = None) -> dt.timedelta | None:
    """How long since the last backup reached a destination, when that is
    longer than BACKUP_STALE_HOURS (counted from installation when there was
    never one); None when backups are fresh."""
    now = now or utcnow()
    since = last_offsite_success_at() or installed_at()
    if since is None:
        return None
    age = now - since
    limit = dt.timedelta(hours=current_app.config["BACKUP_STALE_HOURS"])
    return age if age > limit else None


def health() -> dict:
    """For /healthz: ages only, no names or paths."""
    age = offsite_age()
    status = "never" if age is None else ("stale" if offsite_stale() else "ok")
    return {"backup": status,
            "backup_age_seconds": None if age is None else max(0, int(age.total_seconds()))}


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
    most every ten minutes (it runs on admin pages)."""
    state = current_app.extensions.setdefault("kituo_backups_clock", {})
    if time.monotonic() - state.get("checked", -1e9) > CLOCK_RECHECK_SECONDS:
        with contextlib.suppress(Exception):
            state["behind"] = clock_behind()
            state["checked"] = time.monotonic()
            if state["behind"]:
                log.warning("system clock is %s behind the newest stored time", state["behind"])
    return state.get("behind")

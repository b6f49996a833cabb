"""Backups: take a consistent snapshot, check it, compress and encrypt it,
push it to every destination, verify, prune, and record everything.

    run = run_backup("manual", requested_by=user.id, progress=callback)

Only one backup runs at a time (app/backups/lock.py: a lock the kernel
drops when its holder dies). The plain snapshot exists only in a private
folder for the length of the check and the encryption
(app/backups/scratch.py). A run cut off by a crash is marked failed
("interrupted") and its leftovers swept at worker start
(put_back_interrupted) and before the next run. The state of the backups
for pages and /healthz is in app/backups/status.py.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import current_app

from app import db as database
from app import storage
from app.backups import archive, lock, places, retention, schedule, scratch, snapshots, status
from app.backups.archive import ArchiveError
from app.backups.lock import BackupBusy
from app.backups.models import BackupRun, DestinationResult
from app.backups.rclone import Rclone, RcloneError, join, label, scrub
from app.backups.settings import Settings, SettingsError, current, recipients
from app.clock import utcnow

log = logging.getLogger(__name__)


class VerifyError(Exception):
    pass


def _work_dir() -> Path:
    return Path(current_app.config["BACKUP_DIR"])


def backup_running() -> bool:
    return lock.is_held(_work_dir())


def current_run() -> BackupRun | None:
    """The run in progress (a "running" row left by a crash does not count:
    nobody holds the lock then)."""
    run = BackupRun.running()
    return run if run is not None and backup_running() else None


def mark_interrupted() -> int:
    """Runs still "running" whose process is gone (call it holding the
    lock, or on a restored copy): failed, because they were interrupted."""
    return (BackupRun.update(status=BackupRun.FAILED, error="interrupted", phase="failed",
                             finished_at=utcnow())
            .where(BackupRun.status == BackupRun.RUNNING).execute())


def put_back_interrupted() -> int:
    """registry.interrupted_work, at worker start (and before each periodic
    check): mark interrupted runs failed and sweep any unencrypted
    leftovers, unless a backup is running now (the command line's: it is
    alive, and cleans up after itself)."""
    try:
        with lock.held(_work_dir(), wait_seconds=0):
            count = mark_interrupted()
            scratch.sweep(_work_dir(), database.database_folder())
    except BackupBusy:
        return 0
    lock.clear_legacy_lock()
    return count


WAITING_JOB_MINUTES = 30


def request_backup(user) -> None:
    """"Back up now": audited in its own transaction, then the job the
    worker runs (app.backups.tasks.backup_now)."""
    from app import audit
    from app.backups import tasks
    from app.jobs import services as jobs
    with database.db.atomic():
        audit.record("backup.requested", "backup", summary="backup started from the admin page")
    jobs.start("backup", user, tasks.backup_now, deadline=tasks.JOB_DEADLINE, user_id=user.id)


def waiting_job():
    """A "Back up now" job the worker has not started yet (recent ones only:
    a job queued while the worker was stopped is not waited for forever)."""
    since = utcnow() - dt.timedelta(minutes=WAITING_JOB_MINUTES)
    from app.jobs.models import Job
    return (Job.select().where((Job.kind == "backup")
                               & Job.status.in_([Job.QUEUED, Job.RUNNING])
                               & (Job.created_at >= since))
            .order_by(Job.created_at.desc()).first())


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
    running; records (and returns) a failed run for every expected failure,
    a full disk included ("disk_full"; when even that cannot be recorded,
    the error is raised: see storage.explain)."""
    with lock.held(_work_dir()):
        # We hold the lock: a "running" row now is a run a crash cut off.
        mark_interrupted()
        scratch.sweep(_work_dir(), database.database_folder())
        return _run_locked(trigger, job_id, requested_by, progress, sleep)


def _run_locked(trigger, job_id, requested_by, progress, sleep) -> BackupRun:
    run = BackupRun.create(trigger=trigger, job_id=str(job_id) if job_id else None,
                           requested_by=requested_by)
    recorder = _Recorder(run, progress)
    started = time.monotonic()
    status_, error = BackupRun.FAILED, "unexpected_error"
    try:
        settings = current()
        keys = recipients()
        if not keys:
            raise SettingsError("no_recipients")
        made = _make_archive(run, recorder, settings, keys)
        status_, error = _push_all(run, recorder, settings, made, sleep)
    except (SettingsError, ArchiveError) as failure:
        error = failure.code
        log.error("backup %s failed: %s", run.id, failure)
    except Exception as failure:
        if storage.explain(failure, _work_dir()) != "full":
            log.exception("backup %s failed unexpectedly", run.id)
            raise
        error = "disk_full"
        log.error("backup %s failed: the disk is full", run.id)
    finally:
        recorder.save(status=status_, error=error[:255], finished_at=utcnow(),
                      duration_ms=_ms_since(started), progress=100,
                      phase="done" if status_ != BackupRun.FAILED else "failed")
    return BackupRun.get_by_id(run.id)


@dataclass
class _Made:
    target: Path
    checksum: Path
    hashes: dict
    size: int


def _make_archive(run, recorder: _Recorder, settings: Settings, keys) -> _Made:
    """Snapshot, check and encrypt. The plain snapshot lives only in a
    private folder that is gone when this returns, however it returns."""
    with scratch.private_folder(settings.work_dir) as private:
        recorder.step(5, "snapshot")
        snapshot = private / archive.DB_MEMBER
        snapshots.snapshot_to(snapshot)

        recorder.step(25, "check")
        if snapshots.file_integrity_problems(snapshot):
            recorder.save(integrity="failed")
            raise ArchiveError("integrity_check_failed")
        tables = snapshots.file_row_counts(snapshot)
        schema_version = snapshots.file_schema_version(snapshot)
        db_bytes = snapshot.stat().st_size
        manifest = archive.build_manifest(
            created_at=run.started_at, app_version=current_app.config["VERSION"],
            schema_version=schema_version, tables=tables,
            database_sha256=archive.file_hashes(snapshot)["sha256"], database_bytes=db_bytes)
        recorder.save(integrity="ok", database_bytes=db_bytes, schema_version=schema_version,
                      table_count=len(tables), row_count=manifest["row_count"])

        recorder.step(35, "encrypt")
        target = settings.work_dir / archive.archive_name(run.started_at)
        archive.write_encrypted(snapshot, manifest, keys, target, private)
    hashes = archive.file_hashes(target)
    size = target.stat().st_size
    checksum = archive.write_checksum_file(target, hashes["sha256"])
    recorder.save(filename=target.name, size_bytes=size, sha256=hashes["sha256"])
    return _Made(target, checksum, hashes, size)


def _push_all(run, recorder: _Recorder, settings: Settings, made: _Made, sleep):
    tool = Rclone(settings.rclone, settings.rclone_config, settings.rclone_timeout)
    destinations = settings.destinations
    remotes = _remotes(tool) if any(map(places.is_named_remote, destinations)) else {}
    data_dir = database.database_folder()
    successes = 0
    for index, destination in enumerate(destinations):
        recorder.step(50 + int(45 * index / len(destinations)), "upload")
        problem = places.problem(destination, remotes, data_dir)
        if _push_one(run, tool, made, destination, settings, sleep, problem):
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


def _remotes(tool: Rclone) -> dict:
    """The remotes' types, to tell a folder on this machine from a place
    elsewhere; a broken configuration shows later, on the upload itself."""
    try:
        return tool.remotes()
    except (RcloneError, ValueError) as failure:
        log.warning("could not read the rclone configuration: %s", scrub(str(failure)))
        return {}


def _push_one(run, tool, made: _Made, destination, settings, sleep, problem=None) -> bool:
    result = DestinationResult.create(run=run, destination=label(destination))
    started = time.monotonic()
    if problem is not None:
        # e.g. an unplugged USB drive: the folder is on the Pi's own card.
        log.error("backup %s: %s is not on a drive of its own (%s)", run.id,
                  label(destination), problem)
        pushed = Pushed(False, 0, error=problem)
    else:
        pushed = push(tool, made.target, made.checksum, made.hashes, made.size, destination,
                      settings.attempts, settings.retry_seconds, sleep)
    fields = dict(status=DestinationResult.OK if pushed.ok else DestinationResult.FAILED,
                  attempts=pushed.attempts, verified_by=pushed.verified_by,
                  size_bytes=made.size if pushed.ok else None, error=pushed.error[:255])
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
    the Pi before upgrading, to roll back without the private key). It is
    made in a private folder and moved into place only when checked."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with lock.held(_work_dir(), wait_seconds=600), \
            scratch.private_folder(target.parent) as private:
        partial = private / target.name
        snapshots.snapshot_to(partial)
        if snapshots.file_integrity_problems(partial):
            raise ArchiveError("integrity_check_failed")
        partial.chmod(0o600)
        partial.replace(target)
    return snapshots.file_row_counts(target)


# --- schedule and catch-up ------------------------------------------------------

def _last_start(now: dt.datetime, statuses=None) -> dt.datetime | None:
    """When the latest run (with one of `statuses`) started, not counting
    runs stamped after `now`: the clock went back since, and such a run
    says nothing about tonight."""
    query = BackupRun.select(BackupRun.started_at).where(BackupRun.started_at <= now)
    if statuses is not None:
        query = query.where(BackupRun.status.in_(statuses))
    row = query.order_by(BackupRun.started_at.desc()).first()
    return row.started_at if row else None


def due_trigger(now: dt.datetime | None = None) -> str | None:
    """"scheduled" or "catch_up" when a backup should run now, else None."""
    now = now or utcnow()
    settings = current()
    slot = schedule.last_slot(now, settings.time_of_day, settings.timezone)
    if schedule.is_due(now, slot, _last_start(now, BackupRun.COMPLETE), _last_start(now),
                       settings.retry_hours):
        return schedule.trigger_for(now, slot)
    return None


_NOT_SET_UP_SAID = "kituo_backups_not_set_up_said"


def run_if_due(now: dt.datetime | None = None, sleep=time.sleep) -> BackupRun | None:
    """The periodic check. Without a usable public key nothing can be
    encrypted: no run is recorded every ten minutes then (the page and the
    36-hour banner already say so), and the log says it once, calmly."""
    trigger = due_trigger(now)
    if trigger is None or backup_running():
        return None
    if status.key_missing(status.configuration_problems()):
        if not current_app.extensions.get(_NOT_SET_UP_SAID):
            current_app.extensions[_NOT_SET_UP_SAID] = True
            log.info("Backups are not set up yet (no public key): nothing to back up to. "
                     "See the README, 'Backup keys'.")
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

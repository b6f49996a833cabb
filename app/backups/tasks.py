"""Backup work in the huey worker.

Huey skips periodic runs that were missed while the Pi was off, so the
schedule is not a crontab at 02:00: every CHECK_MINUTES minutes the worker
asks whether a backup is due (services.due_trigger) and runs it. After a
power cut the backup therefore runs within CHECK_MINUTES of the worker
starting. Only one backup runs at a time (app/backups/lock.py: a crash
leaves no lock behind); worker start marks a run a crash cut off as failed
and sweeps its unencrypted leftovers (services.put_back_interrupted,
through registry.interrupted_work).
"""
from __future__ import annotations

import datetime as dt
import logging

from huey import crontab

from app.backups import services, status
from app.jobs import services as jobs
from app.queue import app_context, huey, periodic_task, task

CHECK_MINUTES = 10
# A "Back up now" job not finished after this long shows as failed (a
# backup of a large database to a slow drive can take hours).
JOB_DEADLINE = dt.timedelta(hours=12)
log = logging.getLogger(__name__)


@periodic_task(crontab(minute=f"*/{CHECK_MINUTES}"))
def backup_if_due():
    """Nightly backup and catch-up after downtime or a failed night. A run
    cut off by a crash of the command line is put down as failed here too,
    without waiting for the worker to restart."""
    services.put_back_interrupted()
    run = services.run_if_due()
    if run is not None:
        log.info("backup %s (%s): %s", run.id, run.trigger, run.status)


@task()
def backup_now(job_id, user_id=None):
    """The "Back up now" button: a backup with a progress bar."""
    with jobs.running(job_id) as progress:
        try:
            run = services.run_backup("manual", job_id=job_id, requested_by=user_id,
                                      progress=progress)
        except services.BackupBusy:
            jobs.fail(job_id, "busy")
            return
        if run.status in (run.OK, run.LOCAL_ONLY, run.PARTIAL):
            jobs.finish(job_id, run.status)
        else:
            jobs.fail(job_id, run.error or run.status)


@huey.on_startup()
def check_clock_at_start():
    """A Pi 4 has no real-time clock: say so in the log when time went back."""
    try:
        with app_context():
            behind = status.clock_behind()
        if behind:
            log.warning("the system clock is %s behind the newest time Kituo stored", behind)
    except Exception:  # noqa: BLE001 - a log line must never stop the worker
        log.exception("clock check at worker start failed")

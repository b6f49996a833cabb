"""Jobs: start long work in the worker and follow its progress.

    job = start(kind="setup_slip", owner=user, task=render_slip, user_id=5)
    # in the task:  with running(job_id) as progress: progress(50, "..."); ...
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.db import retry_when_locked, utcnow
from app.jobs.models import Job


DEFAULT_DEADLINE = dt.timedelta(minutes=30)


def start(kind: str, owner, task, deadline: dt.timedelta = DEFAULT_DEADLINE, *,
          document: "Document | None" = None, **task_kwargs) -> Job:
    """Create the Job row, then enqueue `task(job_id, **task_kwargs)`. A job
    not finished within `deadline` counts as failed (Job.overdue). A
    `document` printed for someone gives the job's page its name, a way
    back and a Retry."""
    extra = {}
    if document is not None:
        extra = dict(title=str(document.title)[:120], person=document.person[:60],
                     back_url=_inside(document.back_url), retry_url=_inside(document.retry_url))
    job = Job.create(kind=kind, owner=owner, deadline_at=utcnow() + deadline, **extra)
    task(str(job.id), **task_kwargs)
    return Job.get_by_id(job.id)


@dataclass(frozen=True)
class Document:
    """A document printed for a person: its name ("Induction pack", in the
    language of whoever prints it), the person (a member's code, a
    username), the page it was printed from, and the address (POST) that
    prints it again."""
    title: str
    person: str
    back_url: str
    retry_url: str


def _inside(path: str) -> str:
    """Only a path inside Kituo is kept (never another site)."""
    return path if path.startswith("/") and not path.startswith("//") else ""


def update(job_id, progress: int, message: str = "") -> None:
    Job.update(progress=max(0, min(100, progress)), message=message[:255],
               status=Job.RUNNING).where(Job.id == job_id).execute()


def result_dir() -> Path:
    path = Path(current_app.config["JOBS_DIR"])
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def save_result(job_id, data: bytes, name: str, mimetype: str) -> None:
    """Write the result file (0600) and mark the job done."""
    path = result_dir() / f"{job_id}.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _final(job_id, status=Job.DONE, progress=100, result_path=str(path), result_name=name,
           result_mimetype=mimetype)


def finish(job_id, message: str = "") -> None:
    _final(job_id, status=Job.DONE, progress=100, message=message[:255])


def fail(job_id, message: str) -> None:
    _final(job_id, status=Job.FAILED, message=message[:255])


def _final(job_id, **values) -> None:
    """A job's final state, written even while the database is busy for a
    while (retried): otherwise its page would poll "running" for ever."""
    values["finished_at"] = utcnow()
    retry_when_locked(lambda: Job.update(**values).where(Job.id == job_id).execute())


DISK_FULL = "disk_full"


@contextlib.contextmanager
def running(job_id):
    """Mark the job running; on an exception mark it failed (no details to
    the browser: they may hold personal data; "disk_full" when the disk was
    full, which the page says) and re-raise for the log."""
    update(job_id, 1)
    try:
        yield lambda pct, msg="": update(job_id, pct, msg)
    except Exception as error:
        from app import storage
        full = storage.explain(error, current_app.config["JOBS_DIR"]) == "full"
        try:
            fail(job_id, DISK_FULL if full else "error")
        except Exception:  # noqa: BLE001 - the disk may be too full to say so:
            # the job stays "running" until the worker starts again
            # (fail_interrupted); the original error matters more.
            current_app.logger.error("job %s: could not record its failure", job_id)
        raise


def fail_interrupted() -> int:
    """Jobs still "running" when the worker starts were cut off (a crash
    or a power cut): nothing runs them any more, so say they failed instead
    of leaving a progress bar polling for ever. Queued jobs stay: huey
    keeps its queue on disk and runs them."""
    return (Job.update(status=Job.FAILED, message="interrupted", finished_at=utcnow())
            .where(Job.status == Job.RUNNING).execute())


def fail_overdue() -> int:
    """Jobs past their deadline and still queued or running: marked failed
    (the worker was stopped, or their final write was lost), so their page
    stops polling and says so. Run every few minutes by the worker."""
    return (Job.update(status=Job.FAILED, message="overdue", finished_at=utcnow())
            .where(Job.status.in_([Job.QUEUED, Job.RUNNING]) & (Job.deadline_at < utcnow()))
            .execute())


def purge_old_results(max_age_hours: int = 24) -> int:
    """Delete result files of jobs finished more than `max_age_hours` ago."""
    cutoff = utcnow() - dt.timedelta(hours=max_age_hours)
    removed = 0
    for job in Job.select().where((Job.finished_at < cutoff) & (Job.result_path != "")):
        with contextlib.suppress(FileNotFoundError):
            os.remove(job.result_path)
        Job.update(result_path="").where(Job.id == job.id).execute()
        removed += 1
    return removed


def mark_opened(job: Job) -> None:
    """The person opened the finished PDF: its page no longer opens it by
    itself (Back from the PDF shows the page)."""
    if job.opened_at is None:
        Job.update(opened_at=utcnow()).where(Job.id == job.id).execute()


def visible_job(job_id, user) -> Job | None:
    """A job its owner may see; None for anyone else."""
    try:
        job = Job.get_or_none(Job.id == job_id)
    except ValueError:
        return None
    if job is None or job.owner_id != user.id:
        return None
    return job

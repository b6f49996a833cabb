"""One worker job per person and page while figures are computed: asking
again while it runs follows the same job."""
from __future__ import annotations

from app.jobs import services as jobs
from app.jobs.models import Job
from app.reports import tasks


def start_if_needed(user, page_key: str, left: list) -> Job:
    kind = f"{tasks.COMPUTE_KIND}:{page_key}"[:48]
    running = (Job.select().where((Job.owner == user.id) & (Job.kind == kind)
                                  & Job.status.in_((Job.QUEUED, Job.RUNNING)))
               .order_by(Job.created_at.desc()).first())
    if running is not None:
        return running
    return jobs.start(kind, user, tasks.compute_figures, rows=tasks.encode(left))


def own_job(user, job_id) -> Job | None:
    job = jobs.visible_job(job_id, user)
    if job is None or not job.kind.startswith(tasks.COMPUTE_KIND):
        return None
    return job

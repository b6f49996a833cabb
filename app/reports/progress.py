"""One worker job per person and page while figures are computed: asking
again while it runs follows the same job."""
from __future__ import annotations

from app.db import Prepared, whole_row
from app.jobs import services as jobs
from app.jobs.models import Job
from app.reports import tasks


def _kind(page_key: str) -> str:
    return f"{tasks.COMPUTE_KIND}:{page_key}"[:48]


# Asked on every report page (a key page): built once per worker
# (app.db.Prepared; README, performance), read as a whole row.
_computing = Prepared(lambda param: (
    Job.select().where((Job.owner == param("owner")) & (Job.kind == param("kind"))
                       & Job.status.in_((Job.QUEUED, Job.RUNNING)))
    .order_by(Job.created_at.desc()).limit(1)))


def under_way(user, page_key: str) -> Job | None:
    """The person's job still computing this page's figures, if any."""
    row = _computing.first(owner=user.id, kind=_kind(page_key))
    return whole_row(Job, row) if row else None


def start_if_needed(user, page_key: str, left: list) -> Job:
    return under_way(user, page_key) or jobs.start(_kind(page_key), user, tasks.compute_figures,
                                                   rows=tasks.encode(left))


def own_job(user, job_id) -> Job | None:
    job = jobs.visible_job(job_id, user)
    if job is None or not job.kind.startswith(tasks.COMPUTE_KIND):
        return None
    return job
